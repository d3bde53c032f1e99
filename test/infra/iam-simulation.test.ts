import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { TokenVendorStack } from '../../infra/token-vendor-stack';
import {
  ALLOW_EVERYTHING,
  apiArnPrefix,
  apiResourcePolicy,
  type Caller,
  type Decision,
  lambdaResourcePolicy,
  roleArn,
  roleIdentityPolicies,
  simulate,
  simulateService,
} from '../support/iam-callers/caller-simulation';
import { TEST_ENVIRONMENT, TemplateResolver } from '../support/iam-callers/template-resolver';
import { createApp } from './fixture';

// Issue 16: who may get which credential set's tokens is decided by IAM, so it is checked with a real
// IAM evaluator (@cloud-copilot/iam-simulate) on the synthesized templates, resolved to concrete ARNs:
// the callers' identity policies, the API's resource policy and the Lambda permissions, per request.
const PARTNER = 'arn:aws:iam::222222222222:role/partner-orders';
const ORGANIZATION = 'o-a1b2c3d4e5';
const ORG_MEMBER = 'arn:aws:iam::333333333333:role/reporting';
/** A role of the deploying account itself, which is a member of the organization too. */
const SAME_ACCOUNT_ORG_MEMBER = `arn:aws:iam::${TEST_ENVIRONMENT.account}:role/any-team`;
const OUTSIDER = 'arn:aws:iam::444444444444:role/outsider';
const ENDPOINT = 'vpce-0123456789abcdef0';
const OTHER_ENDPOINT = 'vpce-0fedcba9876543210';
const SETS = ['eu-prod', 'us-prod', 'staging'] as const;

const app = createApp({ nag: false });
const credentialSets = {
  'eu-prod': { allowedPrincipalArns: [PARTNER] },
  'us-prod': { wllRegion: 'us' },
  staging: { wllAudience: 'staging.wlloyalty.net', allowedPrincipalArns: [ORGANIZATION] },
};
const vendorStack = new TokenVendorStack(app, 'Vendor', { env: { account: TEST_ENVIRONMENT.account, region: TEST_ENVIRONMENT.region }, credentialSets });
const privateStack = new TokenVendorStack(app, 'PrivateVendor', {
  env: { account: TEST_ENVIRONMENT.account, region: TEST_ENVIRONMENT.region },
  credentialSets,
  privateApi: { vpcEndpointIds: [ENDPOINT] },
});
// Issue 24: sets sharing a partner share one statement of the API's resource policy, which names every
// set at once (/sets/*) when the partner may call them all; a partner of one set keeps a statement of its own.
const SHARED_PARTNER = 'arn:aws:iam::555555555555:role/shared-caller';
const BETA_PARTNER = 'arn:aws:iam::666666666666:role/beta-only';
const MERGED_SETS = ['alpha', 'beta', 'gamma', 'delta'] as const;
const mergedStack = new TokenVendorStack(app, 'MergedVendor', {
  env: { account: TEST_ENVIRONMENT.account, region: TEST_ENVIRONMENT.region },
  credentialSets: Object.fromEntries(MERGED_SETS.map((name) => [name, { allowedPrincipalArns: name === 'beta' ? [SHARED_PARTNER, BETA_PARTNER] : [SHARED_PARTNER] }])),
});
const callerStack = new Stack(app, 'Callers', { env: { account: TEST_ENVIRONMENT.account, region: TEST_ENVIRONMENT.region } });
// The orders Lambda: eu-prod only, directly and over HTTP.
const orders = new lambda.Function(callerStack, 'Orders', {
  runtime: lambda.Runtime.NODEJS_24_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline('exports.handler = async () => ({});'),
});
vendorStack.tokenVendor.grantInvoke(orders, { credentialSet: 'eu-prod' });
vendorStack.tokenVendor.grantApiAccess(orders, { credentialSet: 'eu-prod' });
privateStack.tokenVendor.grantApiAccess(orders, { credentialSet: 'eu-prod' });
mergedStack.tokenVendor.grantInvoke(orders, { credentialSet: 'gamma' });
mergedStack.tokenVendor.grantApiAccess(orders, { credentialSet: 'gamma' });
// A legacy caller of the default set, granted as before sets existed.
const legacy = new iam.Role(callerStack, 'Legacy', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
vendorStack.tokenVendor.grantInvoke(legacy);
vendorStack.tokenVendor.grantApiAccess(legacy);

const resolver = new TemplateResolver({
  Vendor: Template.fromStack(vendorStack).toJSON(),
  PrivateVendor: Template.fromStack(privateStack).toJSON(),
  MergedVendor: Template.fromStack(mergedStack).toJSON(),
  Callers: Template.fromStack(callerStack).toJSON(),
});
const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } }): string => stack.getLogicalId(construct.node.defaultChild as never);
const sameAccountCaller = (role: iam.IRole): Caller => {
  const id = logicalId(callerStack, role);
  return { arn: roleArn(resolver, 'Callers', id), identityPolicies: roleIdentityPolicies(resolver, 'Callers', id) };
};
const callers = {
  orders: sameAccountCaller(orders.role!),
  legacy: sameAccountCaller(legacy),
  partner: { arn: PARTNER, identityPolicies: [ALLOW_EVERYTHING] },
  orgMember: { arn: ORG_MEMBER, identityPolicies: [ALLOW_EVERYTHING], organizationId: ORGANIZATION },
  // No identity policy at all: for a principal of the resource's own account, Lambda and API Gateway
  // let a resource policy's allow suffice.
  sameAccountOrgMember: { arn: SAME_ACCOUNT_ORG_MEMBER, identityPolicies: [], organizationId: ORGANIZATION },
  outsiderOfAnotherOrg: { arn: OUTSIDER, identityPolicies: [ALLOW_EVERYTHING], organizationId: 'o-zzzzzzzzzz' },
  outsiderWithoutOrg: { arn: OUTSIDER, identityPolicies: [ALLOW_EVERYTHING] },
} satisfies Record<string, Caller>;

/** What a caller can reach of one deployed vendor: its function, aliases and methods. */
function targetsOf(stack: TokenVendorStack, name: string) {
  const functionArn = resolver.resolveString(name, stack.resolve(stack.tokenVendor.function.functionArn));
  const api = apiArnPrefix(resolver, name, logicalId(stack, stack.tokenVendor.api));
  const policy = apiResourcePolicy(resolver, name, logicalId(stack, stack.tokenVendor.api));
  return {
    invoke: (caller: Caller, set?: string): Promise<Decision> => {
      const resourceArn = set === undefined ? functionArn : `${functionArn}:${set}`;
      return simulate({
        caller,
        action: 'lambda:InvokeFunction',
        resourceArn,
        resourceAccount: TEST_ENVIRONMENT.account,
        resourcePolicy: lambdaResourcePolicy(resolver, name, resourceArn),
      });
    },
    /** A service principal invoking for a resource of its own (EventBridge for a rule: aws:SourceArn). */
    invokeAsService: (service: string, sourceArn: string, set?: string): Promise<Decision> => {
      const resourceArn = set === undefined ? functionArn : `${functionArn}:${set}`;
      return simulateService({
        service,
        sourceArn,
        sourceAccount: TEST_ENVIRONMENT.account,
        action: 'lambda:InvokeFunction',
        resourceArn,
        resourceAccount: TEST_ENVIRONMENT.account,
        resourcePolicy: lambdaResourcePolicy(resolver, name, resourceArn),
      });
    },
    call: (caller: Caller, method: 'GET' | 'POST', path: string, sourceVpce?: string): Promise<Decision> =>
      simulate({
        caller,
        action: 'execute-api:Invoke',
        resourceArn: `${api}/prod/${method}${path}`,
        resourceAccount: TEST_ENVIRONMENT.account,
        resourcePolicy: policy,
        ...(sourceVpce !== undefined && { sourceVpce }),
      }),
  };
}
const vendor = targetsOf(vendorStack, 'Vendor');
const privateVendor = targetsOf(privateStack, 'PrivateVendor');
const mergedVendor = targetsOf(mergedStack, 'MergedVendor');
const methodsOf = (set?: string): Array<['GET' | 'POST', string]> =>
  set === undefined
    ? [['GET', '/token'], ['POST', '/token/refresh']]
    : [['GET', `/sets/${set}/token`], ['POST', `/sets/${set}/token/refresh`]];

/** Every decision a test made, printed once at the end: the list for the closing note. */
const decisions: string[] = [];
async function expectDecision(label: string, decision: Promise<Decision>, expected: 'Allowed' | 'Denied'): Promise<void> {
  const actual = await decision;
  decisions.push(`${label}: ${actual}`);
  expect(`${label}: ${actual === 'Allowed' ? 'Allowed' : 'Denied'}`).toBe(`${label}: ${expected}`);
}
afterAll(() => {
  if (process.env.PRINT_IAM_DECISIONS === '1') process.stdout.write(`${decisions.join('\n')}\n`);
});

describe('a same-account caller granted one set (grantInvoke / grantApiAccess with credentialSet)', () => {
  it("invokes that set's alias and calls its two methods", async () => {
    await expectDecision('orders invokes alias eu-prod', vendor.invoke(callers.orders, 'eu-prod'), 'Allowed');
    for (const [method, path] of methodsOf('eu-prod')) await expectDecision(`orders ${method} ${path}`, vendor.call(callers.orders, method, path), 'Allowed');
  });

  it("is denied the other sets' aliases and methods, the default set, and the unqualified function", async () => {
    for (const set of ['us-prod', 'staging']) {
      await expectDecision(`orders invokes alias ${set}`, vendor.invoke(callers.orders, set), 'Denied');
      for (const [method, path] of methodsOf(set)) await expectDecision(`orders ${method} ${path}`, vendor.call(callers.orders, method, path), 'Denied');
    }
    await expectDecision('orders invokes the unqualified function', vendor.invoke(callers.orders), 'Denied');
    await expectDecision('orders invokes $LATEST', vendor.invoke(callers.orders, '$LATEST'), 'Denied');
    for (const [method, path] of methodsOf()) await expectDecision(`orders ${method} ${path}`, vendor.call(callers.orders, method, path), 'Denied');
  });
});

describe('a same-account caller granted without credentialSet (the default set)', () => {
  it('invokes the unqualified function and calls /token and /token/refresh', async () => {
    await expectDecision('legacy invokes the unqualified function', vendor.invoke(callers.legacy), 'Allowed');
    for (const [method, path] of methodsOf()) await expectDecision(`legacy ${method} ${path}`, vendor.call(callers.legacy, method, path), 'Allowed');
  });

  it("would have reached every set's alias with the grant of old (`<arn>` and `<arn>:*`), which is why it narrowed", async () => {
    const functionArn = resolver.resolveString('Vendor', vendorStack.resolve(vendorStack.tokenVendor.function.functionArn));
    const oldGrant = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [functionArn, `${functionArn}:*`] }] };
    await expectDecision('old default grant invokes alias eu-prod', vendor.invoke({ arn: callers.legacy.arn, identityPolicies: [oldGrant] }, 'eu-prod'), 'Allowed');
  });

  it("reaches no set's alias and no /sets path", async () => {
    for (const set of SETS) {
      await expectDecision(`legacy invokes alias ${set}`, vendor.invoke(callers.legacy, set), 'Denied');
      for (const [method, path] of methodsOf(set)) await expectDecision(`legacy ${method} ${path}`, vendor.call(callers.legacy, method, path), 'Denied');
    }
  });
});

describe("the API's own alias (api_gateway), the only one through which the function trusts a /sets path", () => {
  it('no caller may invoke it: not a set caller, not the default caller, not a listed partner or organization member', async () => {
    for (const [label, caller] of Object.entries(callers)) {
      await expectDecision(`${label} invokes alias api_gateway`, vendor.invoke(caller, 'api_gateway'), 'Denied');
    }
  });
});

describe("the schedule's own alias (scheduled_refresh), the only one through which the function refreshes every set", () => {
  const ruleArn = resolver.resolveString('Vendor', vendorStack.resolve(vendorStack.tokenVendor.refreshSchedule!.ruleArn));
  const otherRule = ruleArn.replace(/rule\/.*$/, 'rule/someone-elses-rule');

  it('no caller may invoke it: not a set caller, not the default caller, not a listed partner, not an organization member of any account', async () => {
    for (const [label, caller] of Object.entries(callers)) {
      await expectDecision(`${label} invokes alias scheduled_refresh`, vendor.invoke(caller, 'scheduled_refresh'), 'Denied');
    }
  });

  it("EventBridge may, for the vendor's own rule only, and nothing else of the function", async () => {
    await expectDecision('EventBridge (the refresh rule) invokes alias scheduled_refresh', vendor.invokeAsService('events.amazonaws.com', ruleArn, 'scheduled_refresh'), 'Allowed');
    await expectDecision('EventBridge (another rule) invokes alias scheduled_refresh', vendor.invokeAsService('events.amazonaws.com', otherRule, 'scheduled_refresh'), 'Denied');
    await expectDecision('EventBridge (the refresh rule) invokes alias eu-prod', vendor.invokeAsService('events.amazonaws.com', ruleArn, 'eu-prod'), 'Denied');
    await expectDecision('EventBridge (the refresh rule) invokes the unqualified function', vendor.invokeAsService('events.amazonaws.com', ruleArn), 'Denied');
    await expectDecision('API Gateway invokes alias scheduled_refresh', vendor.invokeAsService('apigateway.amazonaws.com', ruleArn, 'scheduled_refresh'), 'Denied');
  });
});

describe('a principal of another account listed for eu-prod only, whose own account allows it everything', () => {
  it("reaches eu-prod's alias and methods", async () => {
    await expectDecision('partner invokes alias eu-prod', vendor.invoke(callers.partner, 'eu-prod'), 'Allowed');
    for (const [method, path] of methodsOf('eu-prod')) await expectDecision(`partner ${method} ${path}`, vendor.call(callers.partner, method, path), 'Allowed');
  });

  it('reaches nothing else: the resource side decides', async () => {
    for (const set of ['us-prod', 'staging']) {
      await expectDecision(`partner invokes alias ${set}`, vendor.invoke(callers.partner, set), 'Denied');
      for (const [method, path] of methodsOf(set)) await expectDecision(`partner ${method} ${path}`, vendor.call(callers.partner, method, path), 'Denied');
    }
    await expectDecision('partner invokes the unqualified function', vendor.invoke(callers.partner), 'Denied');
    for (const [method, path] of methodsOf()) await expectDecision(`partner ${method} ${path}`, vendor.call(callers.partner, method, path), 'Denied');
  });
});

describe('an organization listed for staging', () => {
  it("admits a member of the organization to staging's alias and methods", async () => {
    await expectDecision('org member invokes alias staging', vendor.invoke(callers.orgMember, 'staging'), 'Allowed');
    for (const [method, path] of methodsOf('staging')) await expectDecision(`org member ${method} ${path}`, vendor.call(callers.orgMember, method, path), 'Allowed');
  });

  it('admits the member to nothing else', async () => {
    await expectDecision('org member invokes alias eu-prod', vendor.invoke(callers.orgMember, 'eu-prod'), 'Denied');
    await expectDecision('org member invokes the unqualified function', vendor.invoke(callers.orgMember), 'Denied');
    await expectDecision('org member GET /sets/eu-prod/token', vendor.call(callers.orgMember, 'GET', '/sets/eu-prod/token'), 'Denied');
    await expectDecision('org member GET /token', vendor.call(callers.orgMember, 'GET', '/token'), 'Denied');
  });

  it('admits every principal of the deploying account as well, with no identity policy at all: the resource side allows it alone', async () => {
    const member = callers.sameAccountOrgMember;
    await expectDecision('same-account org member, no identity policy, invokes alias staging', vendor.invoke(member, 'staging'), 'Allowed');
    for (const [method, path] of methodsOf('staging')) {
      await expectDecision(`same-account org member, no identity policy, ${method} ${path}`, vendor.call(member, method, path), 'Allowed');
    }
    // The organization is listed for staging alone: the same principal reaches nothing else.
    await expectDecision('same-account org member, no identity policy, invokes alias eu-prod', vendor.invoke(member, 'eu-prod'), 'Denied');
    await expectDecision('same-account org member, no identity policy, GET /sets/eu-prod/token', vendor.call(member, 'GET', '/sets/eu-prod/token'), 'Denied');
    await expectDecision('same-account org member, no identity policy, GET /token', vendor.call(member, 'GET', '/token'), 'Denied');
  });

  it('denies a principal of another organization, or of none', async () => {
    for (const [label, caller] of [['another org', callers.outsiderOfAnotherOrg], ['no org', callers.outsiderWithoutOrg]] as const) {
      await expectDecision(`outsider (${label}) invokes alias staging`, vendor.invoke(caller, 'staging'), 'Denied');
      for (const [method, path] of methodsOf('staging')) await expectDecision(`outsider (${label}) ${method} ${path}`, vendor.call(caller, method, path), 'Denied');
    }
  });
});

describe('the private API', () => {
  const [method, path] = ['GET', '/sets/eu-prod/token'] as const;

  it('admits a granted caller through the listed VPC endpoint', async () => {
    await expectDecision(`private: orders ${method} ${path} via ${ENDPOINT}`, privateVendor.call(callers.orders, method, path, ENDPOINT), 'Allowed');
    await expectDecision(`private: partner ${method} ${path} via ${ENDPOINT}`, privateVendor.call(callers.partner, method, path, ENDPOINT), 'Allowed');
  });

  it('denies the same request without a VPC endpoint, or through another one', async () => {
    await expectDecision(`private: orders ${method} ${path} without an endpoint`, privateVendor.call(callers.orders, method, path), 'Denied');
    await expectDecision(`private: orders ${method} ${path} via ${OTHER_ENDPOINT}`, privateVendor.call(callers.orders, method, path, OTHER_ENDPOINT), 'Denied');
    await expectDecision(`private: partner ${method} ${path} without an endpoint`, privateVendor.call(callers.partner, method, path), 'Denied');
  });

  it('still refuses what IAM refuses, through the endpoint', async () => {
    await expectDecision(`private: orders GET /sets/us-prod/token via ${ENDPOINT}`, privateVendor.call(callers.orders, 'GET', '/sets/us-prod/token', ENDPOINT), 'Denied');
  });
});

describe('a merged resource policy: one partner listed for every set, another for one set (issue 24)', () => {
  const shared: Caller = { arn: SHARED_PARTNER, identityPolicies: [ALLOW_EVERYTHING] };
  const betaOnly: Caller = { arn: BETA_PARTNER, identityPolicies: [ALLOW_EVERYTHING] };

  it('lets the shared partner reach every set, through the statement that names them all at once', async () => {
    for (const set of MERGED_SETS) {
      await expectDecision(`merged: shared partner invokes alias ${set}`, mergedVendor.invoke(shared, set), 'Allowed');
      for (const [method, path] of methodsOf(set)) await expectDecision(`merged: shared partner ${method} ${path}`, mergedVendor.call(shared, method, path), 'Allowed');
    }
  });

  it('keeps the shared partner from the default set, the unqualified function and the API alias', async () => {
    for (const [method, path] of methodsOf()) await expectDecision(`merged: shared partner ${method} ${path}`, mergedVendor.call(shared, method, path), 'Denied');
    await expectDecision('merged: shared partner invokes the unqualified function', mergedVendor.invoke(shared), 'Denied');
    await expectDecision('merged: shared partner invokes alias api_gateway', mergedVendor.invoke(shared, 'api_gateway'), 'Denied');
  });

  it("lets the partner of one set reach that set only", async () => {
    await expectDecision('merged: beta partner invokes alias beta', mergedVendor.invoke(betaOnly, 'beta'), 'Allowed');
    for (const [method, path] of methodsOf('beta')) await expectDecision(`merged: beta partner ${method} ${path}`, mergedVendor.call(betaOnly, method, path), 'Allowed');
    for (const set of MERGED_SETS.filter((name) => name !== 'beta')) {
      await expectDecision(`merged: beta partner invokes alias ${set}`, mergedVendor.invoke(betaOnly, set), 'Denied');
      for (const [method, path] of methodsOf(set)) await expectDecision(`merged: beta partner ${method} ${path}`, mergedVendor.call(betaOnly, method, path), 'Denied');
    }
    for (const [method, path] of methodsOf()) await expectDecision(`merged: beta partner ${method} ${path}`, mergedVendor.call(betaOnly, method, path), 'Denied');
  });

  it('lets a same-account caller granted one set reach that set only, though the account is named for every route', async () => {
    await expectDecision('merged: orders invokes alias gamma', mergedVendor.invoke(callers.orders, 'gamma'), 'Allowed');
    for (const [method, path] of methodsOf('gamma')) await expectDecision(`merged: orders ${method} ${path}`, mergedVendor.call(callers.orders, method, path), 'Allowed');
    for (const set of MERGED_SETS.filter((name) => name !== 'gamma')) {
      await expectDecision(`merged: orders invokes alias ${set}`, mergedVendor.invoke(callers.orders, set), 'Denied');
      for (const [method, path] of methodsOf(set)) await expectDecision(`merged: orders ${method} ${path}`, mergedVendor.call(callers.orders, method, path), 'Denied');
    }
    for (const [method, path] of methodsOf()) await expectDecision(`merged: orders ${method} ${path}`, mergedVendor.call(callers.orders, method, path), 'Denied');
  });

  it('admits nobody else', async () => {
    for (const caller of [callers.outsiderWithoutOrg, callers.partner]) {
      for (const set of MERGED_SETS) {
        for (const [method, path] of methodsOf(set)) await expectDecision(`merged: ${caller.arn} ${method} ${path}`, mergedVendor.call(caller, method, path), 'Denied');
      }
    }
  });
});
