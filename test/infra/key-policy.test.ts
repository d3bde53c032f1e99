import { Match, Template } from 'aws-cdk-lib/assertions';
import { KEY_ADMINISTRATION_ACTIONS, TABLE_ENCRYPTION_ACTIONS } from '../../infra/token-key';
import { TokenVendor } from '../../infra/token-vendor';
import { TokenVendorStack } from '../../infra/token-vendor-stack';
import { cfn, createApp, nagFindings, propertiesOf, runNagV2 } from './fixture';

// The table key's policy as synthesized (issues 9 and 14): the account's administrators manage the
// key; whoever creates the table (CloudFormation's role, whatever its name) may have DynamoDB create
// its grant and encrypt and decrypt on its behalf, through DynamoDB in this account and region only;
// the function role may have DynamoDB decrypt. Nobody may use the key directly. That the policy lets
// each deployer deploy is simulated in deploy-permissions.test.ts; docs/deploy-permissions.md has why.
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
  it('has exactly five statements, in this order', () => {
    expect(statements().map((statement) => statement.Sid)).toEqual([
      'KeyAdministration',
      'TableCreationThroughDynamoDB',
      'TableEncryptionThroughDynamoDB',
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

  it('lets the table creator have DynamoDB encrypt and decrypt on its behalf, the DynamoDB guide\'s minimum, only through DynamoDB here', () => {
    expect(statements()[2]).toEqual({
      Sid: 'TableEncryptionThroughDynamoDB',
      Effect: 'Allow',
      Principal: { AWS: accountRoot },
      Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
      Resource: '*',
      Condition: { StringEquals: viaDynamoDb },
    });
    expect(TABLE_ENCRYPTION_ACTIONS).toEqual(actionsOf(statements()[2]!));
  });

  it('lets the DynamoDB service read the key metadata', () => {
    expect(statements()[3]).toEqual({
      Sid: 'DynamoDBReadsKeyMetadata',
      Effect: 'Allow',
      Principal: { Service: 'dynamodb.amazonaws.com' },
      Action: ['kms:Describe*', 'kms:Get*', 'kms:List*'],
      Resource: '*',
    });
  });

  it('lets the function role decrypt through DynamoDB in this account and region, in a statement of its own', () => {
    expect(statements()[4]).toEqual({
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
  });

  it('lets nobody use the key except through DynamoDB in this account and region, and grants kms:* to nobody', () => {
    const using = statements().filter((statement) => actionsOf(statement).some((action) => /Decrypt|Encrypt|GenerateDataKey|CreateGrant|\*$/.test(action)));
    expect(using.map((statement) => statement.Sid)).toEqual([
      'TableCreationThroughDynamoDB',
      'TableEncryptionThroughDynamoDB',
      'DynamoDBReadsKeyMetadata',
      'FunctionUsesTableThroughDynamoDB',
    ]);
    for (const statement of using.filter((candidate) => candidate.Sid !== 'DynamoDBReadsKeyMetadata')) {
      expect(statement.Condition).toMatchObject({ StringEquals: viaDynamoDb });
    }
    expect(statements().flatMap(actionsOf)).not.toContain('kms:*');
  });

  it('is the key the table is encrypted with', () => {
    assertTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: cfn(stack, vendor.key.keyArn) },
    });
    // No lock-out safety check bypass: KMS itself refuses a policy that its creator could not change.
    assertTemplate.hasResourceProperties('AWS::KMS::Key', { BypassPolicyLockoutSafetyCheck: Match.absent() });
  });
});

describe('the table key policy narrowed with tableKeyDeployRoleArns', () => {
  const deployRoles = ['arn:aws:iam::111122223333:role/cdk-hnb659fds-cfn-exec-role-111122223333-eu-west-1', 'arn:aws:iam::111122223333:role/deploy-*'];
  const narrowed = (roleArns: string[]): Statement[] => {
    const host = new TokenVendorStack(createApp(), 'Narrowed', { tableKeyDeployRoleArns: roleArns });
    return propertiesOf<{ KeyPolicy: { Statement: Statement[] } }>(Template.fromStack(host), 'AWS::KMS::Key')[0]!.KeyPolicy.Statement;
  };

  it('lets only the listed roles have DynamoDB use the key for the table, and changes nothing else', () => {
    const policy = narrowed(deployRoles);
    const onlyDeployers = { ArnLike: { 'aws:PrincipalArn': deployRoles } };
    expect(policy[1]!.Condition).toEqual({ StringEquals: viaDynamoDb, Bool: { 'kms:GrantIsForAWSResource': 'true' }, ...onlyDeployers });
    expect(policy[2]!.Condition).toEqual({ StringEquals: viaDynamoDb, ...onlyDeployers });
    // The function role keeps its own statement; administration and DynamoDB's metadata reads stay as they are.
    expect(policy.map((statement) => statement.Sid)).toEqual(statements().map((statement) => statement.Sid));
    for (const index of [0, 3]) expect(policy[index]).toEqual(statements()[index]);
    expect(policy[4]!.Condition).toMatchObject({ StringEquals: viaDynamoDb });
  });

  it('keeps cdk-nag 3 and cdk-nag 2 free of findings', () => {
    const app = createApp();
    new TokenVendorStack(app, 'Narrowed', { tableKeyDeployRoleArns: deployRoles });
    expect(nagFindings(app)).toEqual([]);
    expect(runNagV2((nagApp) => new TokenVendorStack(nagApp, 'Narrowed', { tableKeyDeployRoleArns: deployRoles })).findings).toEqual([]);
  });

  it.each([
    ['an empty list', [], /tableKeyDeployRoleArns is empty: no role could create the table/],
    ['a user ARN', ['arn:aws:iam::111122223333:user/deployer'], /tableKeyDeployRoleArns has 'arn:aws:iam::111122223333:user\/deployer': give IAM role ARNs/],
    ['a role name', ['cdk-hnb659fds-cfn-exec-role'], /give IAM role ARNs known at synth/],
  ])('refuses %s, saying what to give', (_name, roleArns, message) => {
    expect(() => new TokenVendor(new TokenVendorStack(createApp(), 'Bad'), 'Vendor', { tableKeyDeployRoleArns: roleArns })).toThrow(message);
  });
});
