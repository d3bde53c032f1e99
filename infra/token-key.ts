import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

/**
 * What the account's key administrators may do with the table key: manage it, never use it.
 * `kms:PutKeyPolicy` stays with them (through IAM) so that no deploy can lock the key: a key
 * whose policy nobody may change cannot be repaired. No `kms:CreateGrant` here: a grant is a way
 * to give oneself Decrypt (the grant DynamoDB needs has its own statement below).
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
 * The customer managed key of the token table, with a key policy of its own instead of CDK's
 * default (`kms:*` for the account root, which lets any principal whose IAM policy allows
 * `kms:Decrypt` read the table through DynamoDB: admin and PowerUser roles, the console).
 *
 * The policy (KMS developer guide, "How Amazon DynamoDB uses AWS KMS"):
 * - `KeyAdministration`: the account (that is, principals whose IAM policies allow it) may manage
 *   the key, but not use it to encrypt or decrypt;
 * - `TableCreationThroughDynamoDB`: whoever creates or updates the table (CloudFormation's role)
 *   may let DynamoDB create its per-table grant: CreateGrant through DynamoDB, for an AWS resource
 *   only, so the grantee is always DynamoDB and never a principal of the caller's choosing;
 * - `DynamoDBReadsKeyMetadata`: DynamoDB itself may describe the key;
 * - and, added by {@link allowTableReadsThroughDynamoDB}, the function role alone may have DynamoDB
 *   decrypt the table key on its behalf.
 */
export function createTableKey(scope: Construct, removalPolicy: RemovalPolicy): kms.Key {
  const stack = Stack.of(scope);
  const account = new iam.AccountRootPrincipal();
  const policy = new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({ sid: 'KeyAdministration', principals: [account], actions: KEY_ADMINISTRATION_ACTIONS, resources: ['*'] }),
      new iam.PolicyStatement({
        sid: 'TableCreationThroughDynamoDB',
        principals: [account],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'kms:ViaService': dynamoDbEndpoint(stack), 'kms:CallerAccount': stack.account },
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
        },
      }),
      new iam.PolicyStatement({
        sid: 'DynamoDBReadsKeyMetadata',
        principals: [new iam.ServicePrincipal('dynamodb.amazonaws.com')],
        actions: ['kms:Describe*', 'kms:Get*', 'kms:List*'],
        resources: ['*'],
      }),
    ],
  });
  return new kms.Key(scope, 'TableKey', {
    description: 'Encrypts the WLL token vendor cache table',
    enableKeyRotation: true,
    removalPolicy,
    pendingWindow: Duration.days(7),
    policy,
  });
}

/**
 * Lets `role` alone have DynamoDB decrypt the table key (which DynamoDB does as the principal
 * reading or writing the table). The statement delegates to IAM for that one role rather than
 * naming it as the principal: KMS refuses a key policy whose principal IAM does not show yet,
 * which a role created in the same deployment may not be; the role's own policy allows it too.
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

function dynamoDbEndpoint(stack: Stack): string {
  return `dynamodb.${stack.region}.amazonaws.com`;
}
