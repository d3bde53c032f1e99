import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readTokenVendorContext } from '../../infra/context';
import { TokenVendorStack } from '../../infra/token-vendor-stack';
import { type CfnTemplate, type DeployEnvironment, resolveIntrinsics } from '../support/iam/cfn-intrinsics';
import {
  ADMINISTRATOR_ACCESS,
  type Caller,
  deniedCalls,
  deployersIn,
  deployVerdicts,
  evaluate,
  keysOf,
  TEST_ENVIRONMENT,
  topicDeployVerdicts,
  topicsOf,
} from '../support/iam/deploy-simulation';
import { keyCallsOf } from '../support/iam/handler-permissions';
import { topicCalls } from '../support/iam/topic-handler-permissions';
import { resourcePolicyHolders } from '../support/iam/resource-policies';
import { createApp } from './fixture';

// The deploy-permission check (issue 14): every call CloudFormation's handlers make on the table
// key, for create, update and delete, by every kind of principal CloudFormation deploys as (each
// with AdministratorAccess), evaluated by a real IAM policy evaluator against the synthesized key
// policy, with the context AWS sets. It fails on the policy of the previous release, which made
// the first deploy roll back at the table. docs/deploy-permissions.md says what it cannot see.
const { account, region, partition } = TEST_ENVIRONMENT;
const deployers = deployersIn(account, region);
const environmentOf = (stackName: string): DeployEnvironment => ({ account, region, partition, stackName });

/** The stacks infra/app.ts synthesizes (cdk.json's context, the context keys it reads), as templates. */
function appStacks(): [string, CfnTemplate][] {
  const app = createApp();
  new TokenVendorStack(app, 'WllTokenVendor', readTokenVendorContext(app.node));
  return app.synth().stacks.map((stack) => [stack.stackName, stack.template as CfnTemplate]);
}

/** The app's stack with `-c alarmEmail=...`: a second key (the alarm topic's) and a topic policy. */
function alarmEmailStack(): [string, CfnTemplate] {
  const app = createApp({ context: { alarmEmail: 'ops@example.com' } });
  const stack = new TokenVendorStack(app, 'WithAlarmEmail', readTokenVendorContext(app.node));
  return [stack.stackName, app.synth().getStackByName(stack.stackName).template as CfnTemplate];
}

const NARROWED_TO = [`arn:aws:iam::${account}:role/cdk-*-cfn-exec-role-${account}-${region}`, `arn:aws:iam::${account}:role/TeamCloudFormationDeployRole`];

function narrowedStack(): [string, CfnTemplate] {
  const app = createApp();
  const stack = new TokenVendorStack(app, 'Narrowed', { tableKeyDeployRoleArns: NARROWED_TO });
  return [stack.stackName, app.synth().getStackByName(stack.stackName).template as CfnTemplate];
}

/** Why each resource type holding a policy cannot deny CloudFormation what its handlers need. */
const CANNOT_DENY_ITS_DEPLOYER: Record<string, string> = {
  'AWS::IAM::Role': "its AssumeRolePolicyDocument is a trust policy: it governs sts:AssumeRole only; the role's iam:* management is IAM's alone",
  'AWS::ApiGateway::RestApi':
    'its Policy governs execute-api:Invoke; CloudFormation manages the API through the apigateway:* management API, which a REST API policy does not govern',
  'AWS::Lambda::Permission': "it adds an Allow for lambda:InvokeFunction to the function's policy, which holds no Deny; lambda:* management is IAM's alone",
};
const SIMULATED = new Set(['AWS::KMS::Key', 'AWS::SNS::TopicPolicy']);

/** The function role (from the function's Role) and its inline identity policies, resolved. */
function functionRoleOf(template: CfnTemplate, env: DeployEnvironment): Caller {
  const [, lambdaFunction] = Object.entries(template.Resources).find(([, resource]) => resource.Type === 'AWS::Lambda::Function')!;
  const roleReference = lambdaFunction.Properties?.Role as { 'Fn::GetAtt': [string, string] };
  const roleId = roleReference['Fn::GetAtt'][0];
  const identityPolicies = Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::IAM::Policy')
    .filter(([, resource]) => JSON.stringify(resource.Properties?.Roles).includes(`"${roleId}"`))
    .map(([policyId, resource]) => ({ name: policyId, policy: resolveIntrinsics(resource.Properties?.PolicyDocument, env, template) }));
  return { name: 'the function role', arn: String(resolveIntrinsics(roleReference, env, template)), identityPolicies };
}

// Synthesized once each: synthesis is the slow part.
const APP_STACKS = appStacks();
const NARROWED_STACK = narrowedStack();
const ALARM_EMAIL_STACK = alarmEmailStack();

describe.each([...APP_STACKS, NARROWED_STACK, ALARM_EMAIL_STACK])('in stack %s', (stackName, template) => {
  const env = environmentOf(stackName);
  // The table key: the key encrypting a table (the alarm topic's key, when there is one, encrypts none).
  const key = keysOf(template, env).find((candidate) => candidate.tableNames.length > 0);

  it('holds no resource policy that could deny its deployer unseen: each is simulated, or cannot deny for a stated reason', () => {
    const unexplained = resourcePolicyHolders(template).filter(({ type }) => !SIMULATED.has(type) && CANNOT_DENY_ITS_DEPLOYER[type] === undefined);
    expect(unexplained).toEqual([]);
    // The credentials secret has no resource policy; the table key, and with alarmEmail the alarm
    // topic's key and topic policy, are the policies simulated.
    const withTopic = stackName === 'WithAlarmEmail';
    expect(keysOf(template, env).map((candidate) => candidate.tableNames.length).sort()).toEqual(withTopic ? [0, 1] : [1]);
    expect(topicsOf(template, env)).toHaveLength(withTopic ? 1 : 0);
  });

  it('lets every deployer with AdministratorAccess make every call the handlers make on the table key, for create, update and delete', async () => {
    const allowedDeployers = stackName === 'Narrowed' ? deployers.filter((deployer) => /cfn-exec-role|TeamCloudFormationDeployRole/.test(deployer.arn)) : deployers;
    expect(allowedDeployers.length).toBeGreaterThanOrEqual(stackName === 'Narrowed' ? 3 : 6);
    const verdicts = await deployVerdicts(key!, allowedDeployers, env);
    expect(verdicts).toHaveLength(allowedDeployers.length * keyCallsOf(1).length);
    expect(deniedCalls(verdicts)).toEqual([]);
  });

  it("denies another account's administrator every call, through DynamoDB or directly", async () => {
    const outsider: Caller = { name: 'another account', arn: 'arn:aws:iam::444455556666:role/Admin', identityPolicies: [ADMINISTRATOR_ACCESS] };
    const verdicts = await deployVerdicts(key!, [outsider], env);
    expect(verdicts.filter((verdict) => verdict.result === 'Allowed')).toEqual([]);
  });

  it.each([
    ['an administrator', [ADMINISTRATOR_ACCESS]],
    ['a role whose IAM policy allows kms:* on every key', [{ name: 'KmsUser', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } }]],
  ])('denies %s of the account every direct use of the key', async (_name, identityPolicies) => {
    const caller: Caller = { name: 'direct', arn: `arn:aws:iam::${account}:role/Reader`, identityPolicies };
    for (const action of ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:CreateGrant']) {
      expect([action, await evaluate(key!, caller, { action, via: 'direct' }, env)]).toEqual([action, 'ImplicitlyDenied']);
    }
  });

  it('lets the function role, with its own synthesized IAM policy, have DynamoDB decrypt the table key', async () => {
    const role = functionRoleOf(template, env);
    expect(role.identityPolicies.length).toBeGreaterThan(0);
    expect(await evaluate(key!, role, { action: 'kms:Decrypt', via: 'dynamodb' }, env)).toBe('Allowed');
    expect(await evaluate(key!, role, { action: 'kms:Decrypt', via: 'direct' }, env)).toBe('ImplicitlyDenied');
  });
});

describe('with alarmEmail: the alarm topic, its key and its topic policy', () => {
  const [stackName, template] = ALARM_EMAIL_STACK;
  const env = environmentOf(stackName);
  const [alarmKey] = keysOf(template, env).filter((candidate) => candidate.tableNames.length === 0);
  const [topic] = topicsOf(template, env);

  it("lets every deployer with AdministratorAccess make every call the KMS key handler makes on the topic's key, for create, update and delete", async () => {
    const verdicts = await deployVerdicts(alarmKey!, deployers, env);
    expect(verdicts).toHaveLength(deployers.length * keyCallsOf(0).length);
    expect(deniedCalls(verdicts)).toEqual([]);
  });

  it("denies an administrator of the account every use of the topic's key: the account manages it, CloudWatch alone uses it", async () => {
    const admin: Caller = { name: 'admin', arn: `arn:aws:iam::${account}:role/Admin`, identityPolicies: [ADMINISTRATOR_ACCESS] };
    for (const action of ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:Encrypt']) {
      expect([action, await evaluate(alarmKey!, admin, { action, via: 'direct' }, env)]).toEqual([action, 'ImplicitlyDenied']);
    }
  });

  it('lets every deployer with AdministratorAccess make every call the SNS handlers make on the topic, for create, update and delete', async () => {
    const verdicts = await topicDeployVerdicts(topic!, deployers, env);
    expect(verdicts).toHaveLength(deployers.length * topicCalls().length);
    expect(verdicts.filter((verdict) => verdict.result !== 'Allowed').map(({ call }) => `${call.operation} ${call.action}`)).toEqual([]);
  });

  it('would fail on a topic policy that locked the deployer out (a Deny for every principal but CloudWatch)', async () => {
    const policy = topic!.policy as { Statement: unknown[] };
    const lockingOut = {
      Effect: 'Deny',
      NotPrincipal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['sns:SetTopicAttributes', 'sns:DeleteTopic'],
      Resource: topic!.arn,
    };
    const verdicts = await topicDeployVerdicts({ ...topic!, policy: { ...policy, Statement: [...policy.Statement, lockingOut] } }, deployers.slice(0, 1), env);
    expect([...new Set(verdicts.filter((verdict) => verdict.result !== 'Allowed').map(({ call }) => `${call.operation} ${call.action}`))]).toEqual([
      'create sns:SetTopicAttributes',
      'update sns:SetTopicAttributes',
      'delete sns:DeleteTopic',
      'delete sns:SetTopicAttributes',
    ]);
  });
});

describe('narrowed with tableKeyDeployRoleArns', () => {
  const [stackName, template] = NARROWED_STACK;
  const env = environmentOf(stackName);
  const [key] = keysOf(template, env);

  it('denies an unlisted deployer, administrator or not, what DynamoDB does on its behalf, and nothing it does directly', async () => {
    const unlisted = deployers.filter((deployer) => /Pipeline|StackSet|user\//.test(deployer.arn));
    expect(unlisted).toHaveLength(3);
    const verdicts = await deployVerdicts(key!, unlisted, env);
    const denied = verdicts.filter((verdict) => verdict.result !== 'Allowed');
    expect(denied.length).toBeGreaterThan(0);
    expect(denied.every((verdict) => verdict.call.via === 'dynamodb')).toBe(true);
    expect(verdicts.filter((verdict) => verdict.call.via === 'direct').every((verdict) => verdict.result === 'Allowed')).toBe(true);
  });
});

describe("the previous release's table key policy (test/infra/fixtures, as synthesized before issue 14)", () => {
  const fixture = JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'issue-9-table-key.template.json'), 'utf8')) as CfnTemplate;
  const [current] = APP_STACKS;
  // The old key, next to the table of today's template, which is unchanged.
  const template: CfnTemplate = { Resources: { ...current![1].Resources, ...fixture.Resources } };
  const env = environmentOf('WllTokenVendor');
  const [key] = keysOf(template, env);

  it('fails the check: every deployer is denied what DynamoDB needs to create the table', async () => {
    const verdicts = await deployVerdicts(key!, deployers, env);
    const denied = deniedCalls(verdicts);
    expect(denied).toEqual([
      'create kms:Decrypt (dynamodb)',
      'create kms:Encrypt (dynamodb)',
      'create kms:GenerateDataKey (dynamodb)',
      'create kms:GenerateDataKeyWithoutPlaintext (dynamodb)',
      'create kms:ReEncryptFrom (dynamodb)',
      'create kms:ReEncryptTo (dynamodb)',
      'update kms:Decrypt (dynamodb)',
      'update kms:Encrypt (dynamodb)',
      'update kms:GenerateDataKey (dynamodb)',
      'update kms:GenerateDataKeyWithoutPlaintext (dynamodb)',
      'update kms:ReEncryptFrom (dynamodb)',
      'update kms:ReEncryptTo (dynamodb)',
    ]);
    // Every deployer, not some: the first deploy could not succeed whoever ran it.
    for (const deployer of deployers) {
      expect(deniedCalls(verdicts.filter((verdict) => verdict.caller === deployer.name))).toEqual(denied);
    }
  });

  it("still lets every deployer update the key in place: the key's logical id is unchanged, and its policy allows PutKeyPolicy", async () => {
    expect(Object.keys(fixture.Resources).filter((id) => fixture.Resources[id]!.Type === 'AWS::KMS::Key')).toEqual([key!.logicalId]);
    expect(current![1].Resources[key!.logicalId]?.Type).toBe('AWS::KMS::Key');
    const verdicts = await deployVerdicts(key!, deployers, env);
    const keyUpdate = verdicts.filter((verdict) => verdict.call.via === 'direct' && verdict.call.operation === 'update');
    expect(keyUpdate.map((verdict) => verdict.call.action)).toContain('kms:PutKeyPolicy');
    expect(keyUpdate.filter((verdict) => verdict.result !== 'Allowed')).toEqual([]);
  });
});
