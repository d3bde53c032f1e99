import { Match, Template } from 'aws-cdk-lib/assertions';
import { KEY_ADMINISTRATION_ACTIONS } from '../../infra/token-key';
import { TokenVendorStack } from '../../infra/token-vendor-stack';
import { cfn, createApp, propertiesOf } from './fixture';

// The table key's policy as synthesized (issue 9): the account's administrators manage the key,
// DynamoDB may create its per-table grant for whoever creates the table, and only the function
// role may have DynamoDB decrypt the table key. Nobody else can read the table, whatever their
// IAM policies say. (Not verified against AWS: no account here; see the README.)
const app = createApp();
const stack = new TokenVendorStack(app, 'WllTokenVendor');
const assertTemplate = Template.fromStack(stack);
const vendor = stack.tokenVendor;

type Statement = { Sid: string; Effect: string; Principal: unknown; Action: string | string[]; Resource: string; Condition?: unknown };
const statements = (): Statement[] =>
  propertiesOf<{ KeyPolicy: { Statement: Statement[] } }>(assertTemplate, 'AWS::KMS::Key')[0]!.KeyPolicy.Statement;
const accountRoot = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] };
const viaDynamoDb = {
  'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
  'kms:CallerAccount': { Ref: 'AWS::AccountId' },
};
const actionsOf = (statement: Statement): string[] => [statement.Action].flat();

describe('the table key policy', () => {
  it('has exactly four statements, in this order', () => {
    expect(statements().map((statement) => statement.Sid)).toEqual([
      'KeyAdministration',
      'TableCreationThroughDynamoDB',
      'DynamoDBReadsKeyMetadata',
      'FunctionUsesTableThroughDynamoDB',
    ]);
  });

  it('lets the account administer the key (through IAM), with no action that encrypts, decrypts or grants', () => {
    const administration = statements()[0]!;
    expect(administration).toEqual({
      Sid: 'KeyAdministration',
      Effect: 'Allow',
      Principal: { AWS: accountRoot },
      Action: KEY_ADMINISTRATION_ACTIONS,
      Resource: '*',
    });
    const actions = actionsOf(administration);
    // Kept, so that a deploy can never leave a key whose policy nobody may change.
    expect(actions).toContain('kms:PutKeyPolicy');
    for (const action of actions) {
      expect(action).not.toMatch(/\*|Decrypt|Encrypt|GenerateDataKey|CreateGrant|Sign|Verify|Mac/);
    }
  });

  it('lets DynamoDB create its table grant on behalf of the table creator, and nothing else through that statement', () => {
    expect(statements()[1]).toEqual({
      Sid: 'TableCreationThroughDynamoDB',
      Effect: 'Allow',
      Principal: { AWS: accountRoot },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: { StringEquals: viaDynamoDb, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    });
  });

  it('lets the DynamoDB service read the key metadata', () => {
    expect(statements()[2]).toEqual({
      Sid: 'DynamoDBReadsKeyMetadata',
      Effect: 'Allow',
      Principal: { Service: 'dynamodb.amazonaws.com' },
      Action: ['kms:Describe*', 'kms:Get*', 'kms:List*'],
      Resource: '*',
    });
  });

  it('lets only the function role decrypt, only through DynamoDB in this account and region', () => {
    expect(statements()[3]).toEqual({
      Sid: 'FunctionUsesTableThroughDynamoDB',
      Effect: 'Allow',
      Principal: { AWS: accountRoot },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: {
        StringEquals: viaDynamoDb,
        ArnEquals: { 'aws:PrincipalArn': cfn(stack, vendor.function.role!.roleArn) },
      },
    });
    const decrypting = statements().filter((statement) => actionsOf(statement).some((action) => /Decrypt|ReEncrypt|^kms:\*$/.test(action)));
    expect(decrypting.map((statement) => statement.Sid)).toEqual(['FunctionUsesTableThroughDynamoDB']);
  });

  it('is the key the table is encrypted with', () => {
    assertTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: cfn(stack, vendor.key.keyArn) },
    });
    // No lock-out safety check bypass: KMS itself refuses a policy that its creator could not change.
    assertTemplate.hasResourceProperties('AWS::KMS::Key', { BypassPolicyLockoutSafetyCheck: Match.absent() });
  });
});
