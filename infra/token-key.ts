import { Duration, type RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { TokenVendorSettingsError } from './settings';

/**
 * What the account's key administrators may do with the table key: manage it, never use it.
 * `kms:PutKeyPolicy` stays with them (through IAM) so that no deploy can lock the key: a key
 * whose policy nobody may change cannot be repaired. These are also every action CloudFormation's
 * handler for `AWS::KMS::Key` calls on the key after creating it (create, read, update, delete).
 * No `kms:CreateGrant` here: a grant is a way to give oneself Decrypt (the grant DynamoDB needs
 * has its own statement below).
 */
export const KEY_ADMINISTRATION_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
];

/**
 * What DynamoDB needs on a customer managed key, on behalf of the principal who creates or
 * updates the table, besides the grant (DynamoDB developer guide, "Key policy for a customer
 * managed key": at a minimum Encrypt, Decrypt, ReEncrypt*, GenerateDataKey*, DescribeKey and
 * CreateGrant). Without Decrypt the table's creation fails and the stack rolls back.
 */
export const TABLE_ENCRYPTION_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'];

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}|\*):role\/[\w+=,.@/*-]{1,512}$/;

/**
 * The customer managed key of the token table, with a key policy of its own instead of CDK's
 * default (`kms:*` for the account root, which lets any principal whose IAM policy allows
 * `kms:Decrypt` use the key directly, for anything).
 *
 * The policy (docs/deploy-permissions.md has the quoted sources):
 * - `KeyAdministration`: the account (that is, principals whose IAM policies allow it) may manage
 *   the key, but not use it to encrypt or decrypt;
 * - `TableCreationThroughDynamoDB`: whoever creates or updates the table (CloudFormation's role,
 *   whatever its name) may let DynamoDB create its per-table grant: CreateGrant through DynamoDB
 *   in this account and region, for an AWS resource only, so the grantee is always DynamoDB;
 * - `TableEncryptionThroughDynamoDB`: the same principals may have DynamoDB encrypt and decrypt
 *   with the key on their behalf, as DynamoDB does when it creates the table: through DynamoDB in
 *   this account and region only, never directly. Like the AWS managed key `aws/dynamodb`, this
 *   lets a principal whose IAM policies allow `kms:Decrypt` and DynamoDB reads read the table's
 *   items: those are sealed tokens (CONTRACT section 3), useless without the client secret;
 * - `DynamoDBReadsKeyMetadata`: DynamoDB itself may describe the key;
 * - and, added by {@link allowTableReadsThroughDynamoDB}, the function role's own Decrypt through
 *   DynamoDB, which stays when `deployRoleArns` narrows the two statements above.
 *
 * @param deployRoleArns when given, only principals whose ARN matches one of these (`ArnLike`,
 *   so `*` is allowed) get the two statements through DynamoDB; validated here.
 */
export function createTableKey(scope: Construct, removalPolicy: RemovalPolicy, deployRoleArns?: readonly string[]): kms.Key {
  const stack = Stack.of(scope);
  const account = new iam.AccountRootPrincipal();
  const onlyDeployers = deployRoleCondition(deployRoleArns);
  const throughDynamoDb = { 'kms:ViaService': dynamoDbEndpoint(stack), 'kms:CallerAccount': stack.account };
  const policy = new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({ sid: 'KeyAdministration', principals: [account], actions: KEY_ADMINISTRATION_ACTIONS, resources: ['*'] }),
      new iam.PolicyStatement({
        sid: 'TableCreationThroughDynamoDB',
        principals: [account],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: { StringEquals: throughDynamoDb, Bool: { 'kms:GrantIsForAWSResource': 'true' }, ...onlyDeployers },
      }),
      new iam.PolicyStatement({
        sid: 'TableEncryptionThroughDynamoDB',
        principals: [account],
        actions: TABLE_ENCRYPTION_ACTIONS,
        resources: ['*'],
        conditions: { StringEquals: throughDynamoDb, ...onlyDeployers },
      }),
      new iam.PolicyStatement({
        sid: 'DynamoDBReadsKeyMetadata',
        principals: [new iam.ServicePrincipal('dynamodb.amazonaws.com')],
        actions: ['kms:Describe*', 'kms:Get*', 'kms:List*'],
        resources: ['*'],
      }),
    ],
  });
  // The logical id stays 'TableKey': a stack of an earlier release updates this key's policy in
  // place (PutKeyPolicy, which that release's policy allows the account) instead of replacing it.
  return new kms.Key(scope, 'TableKey', {
    description: 'Encrypts the WLL token vendor cache table',
    enableKeyRotation: true,
    removalPolicy,
    pendingWindow: Duration.days(7),
    policy,
  });
}

/**
 * Lets `role` have DynamoDB decrypt the table key (which DynamoDB does as the principal reading or
 * writing the table), whatever `deployRoleArns` says. The statement delegates to IAM for that one
 * role rather than naming it as the principal: KMS refuses a key policy whose principal IAM does
 * not show yet, which a role created in the same deployment may not be; the role's own policy
 * allows it too.
 */
export function allowTableReadsThroughDynamoDB(key: kms.Key, role: iam.IRole): void {
  const stack = Stack.of(key);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'FunctionUsesTableThroughDynamoDB',
      principals: [new iam.AccountRootPrincipal()],
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'kms:ViaService': dynamoDbEndpoint(stack), 'kms:CallerAccount': stack.account },
        ArnEquals: { 'aws:PrincipalArn': role.roleArn },
      },
    }),
  );
}

function deployRoleCondition(deployRoleArns: readonly string[] | undefined): Record<string, unknown> {
  if (deployRoleArns === undefined) return {};
  if (deployRoleArns.length === 0) {
    throw new TokenVendorSettingsError(
      'tableKeyDeployRoleArns is empty: no role could create the table. List the role(s) CloudFormation deploys as, or leave it unset.',
    );
  }
  for (const arn of deployRoleArns) {
    if (Token.isUnresolved(arn) || !ROLE_ARN.test(arn)) {
      throw new TokenVendorSettingsError(
        `tableKeyDeployRoleArns has '${arn.slice(0, 80)}': give IAM role ARNs known at synth, ` +
          'like arn:aws:iam::111122223333:role/cdk-hnb659fds-cfn-exec-role-111122223333-eu-west-1 (`*` may stand for any characters).',
      );
    }
  }
  return { ArnLike: { 'aws:PrincipalArn': [...deployRoleArns] } };
}

function dynamoDbEndpoint(stack: Stack): string {
  return `dynamodb.${stack.region}.amazonaws.com`;
}
