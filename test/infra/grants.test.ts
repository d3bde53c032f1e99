import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { TokenVendorStack } from '../../infra/token-vendor-stack';
import { cfn, createApp, nagFindings, propertiesOf } from './fixture';

// A caller's Lambda in another stack of the same app: grantInvoke and grantApiAccess must add
// exactly one statement each to its role, naming the vendor's function and the two API methods.
// The caller is a bare test double, so cdk-nag runs on the vendor's stack only.
const app = createApp({ nag: false });
const vendorStack = new TokenVendorStack(app, 'Vendor');
const callerStack = new Stack(app, 'Caller');
const caller = new lambda.Function(callerStack, 'Caller', {
  runtime: lambda.Runtime.NODEJS_24_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline('exports.handler = async () => ({});'),
});
const vendor = vendorStack.tokenVendor;
const invokeGrant = vendor.grantInvoke(caller);
const apiGrant = vendor.grantApiAccess(caller);
const callerTemplate = Template.fromStack(callerStack);
const vendorTemplate = Template.fromStack(vendorStack);

/** The caller role's only inline policy, as synthesized. */
function callerStatements(): unknown[] {
  const policies = propertiesOf<{ PolicyDocument: { Statement: unknown[] } }>(callerTemplate, 'AWS::IAM::Policy');
  expect(policies).toHaveLength(1);
  return policies[0]!.PolicyDocument.Statement;
}

const CONTRACT_OUTPUTS = ['TokenFunctionName', 'TokenFunctionArn', 'TokenApiUrl', 'TokenTableName', 'CredentialsSecretArn'];

/**
 * How the caller stack refers to one of the vendor stack's values: through an output the vendor
 * stack publishes for it (a stack output reference with cdk.json's weak cross-stack references,
 * an export/import without them).
 */
function fromVendor(value: string): unknown {
  const resolved = JSON.stringify(cfn(vendorStack, value));
  const published = Object.entries(vendorTemplate.findOutputs('*')).find(
    ([name, output]) => !CONTRACT_OUTPUTS.includes(name) && JSON.stringify(output.Value) === resolved,
  );
  expect(published).toBeDefined();
  const [name, output] = published!;
  const exported = output.Export as { Name: string } | undefined;
  return exported
    ? { 'Fn::ImportValue': exported.Name }
    : { 'Fn::GetStackOutput': { StackName: vendorStack.stackName, Region: { Ref: 'AWS::Region' }, OutputName: name } };
}

describe('grants to a Lambda of another stack', () => {
  it('both succeed on the caller role', () => {
    expect(invokeGrant.success).toBe(true);
    expect(apiGrant.success).toBe(true);
  });

  it('grantInvoke adds exactly lambda:InvokeFunction on the unqualified function: no `:*`, which would cover every alias', () => {
    // An unqualified ARN covers only unqualified invocations (the default set); a credential set's
    // alias needs grantInvoke(grantee, { credentialSet }).
    expect(callerStatements()).toContainEqual({
      Effect: 'Allow',
      Action: 'lambda:InvokeFunction',
      Resource: fromVendor(vendor.function.functionArn),
    });
  });

  it('grantApiAccess adds exactly execute-api:Invoke on GET /token and POST /token/refresh of the deployed stage', () => {
    const api = fromVendor(vendor.api.restApiId);
    const stage = fromVendor(vendor.api.deploymentStage.stageName);
    const methodArn = (route: string): unknown => ({
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', api, '/', stage, route],
      ],
    });
    expect(callerStatements()).toContainEqual({
      Effect: 'Allow',
      Action: 'execute-api:Invoke',
      Resource: [methodArn('/GET/token'), methodArn('/POST/token/refresh')],
    });
  });

  it('add nothing else to the caller role', () => {
    expect(callerStatements()).toHaveLength(2);
  });

  it('change nothing in the vendor stack: no resource policy is widened for a same-account caller', () => {
    // API Gateway's two routes and the refresh schedule: nothing for the callers.
    vendorTemplate.resourceCountIs('AWS::Lambda::Permission', 3);
    expect(nagFindings(vendorStack)).toEqual([]);
  });
});
