/**
 * What CloudFormation's handlers call on a KMS key, per operation, and through which service.
 * Sources, quoted in docs/deploy-permissions.md:
 * - the CloudFormation registry schemas' `handlers.<operation>.permissions` for AWS::KMS::Key and
 *   AWS::DynamoDB::Table (the key actions among them; `kms:ListAliases` and `kms:CreateKey` act on
 *   no key, so no key policy can deny them);
 * - the DynamoDB developer guide, "Key policy for a customer managed key": at a minimum kms:Encrypt,
 *   kms:Decrypt, kms:ReEncrypt* (ReEncryptFrom, ReEncryptTo), kms:GenerateDataKey* (GenerateDataKey,
 *   GenerateDataKeyWithoutPlaintext), kms:DescribeKey and kms:CreateGrant, which DynamoDB uses on
 *   behalf of the principal who selects the key, that is, with kms:ViaService set.
 */

export type Operation = 'create' | 'update' | 'delete';

/** One call on the key that a deploy makes: directly, or by DynamoDB on the deployer's behalf. */
export interface KeyCall {
  readonly operation: Operation;
  readonly action: string;
  readonly via: 'direct' | 'dynamodb';
}

/** AWS::KMS::Key handlers: calls on the key itself, after `kms:CreateKey`, all direct. Read runs within update. */
export const KMS_KEY_HANDLER_KEY_ACTIONS: Record<Operation, readonly string[]> = {
  create: ['kms:EnableKeyRotation', 'kms:DisableKey', 'kms:TagResource', 'kms:PutKeyPolicy'],
  update: [
    'kms:DescribeKey',
    'kms:DisableKey',
    'kms:DisableKeyRotation',
    'kms:EnableKey',
    'kms:EnableKeyRotation',
    'kms:PutKeyPolicy',
    'kms:TagResource',
    'kms:UntagResource',
    'kms:UpdateKeyDescription',
    'kms:ListResourceTags',
    // the read handler, which CloudFormation runs around an update
    'kms:GetKeyPolicy',
    'kms:GetKeyRotationStatus',
  ],
  delete: ['kms:DescribeKey', 'kms:ScheduleKeyDeletion'],
};

/** AWS::DynamoDB::Table handlers: the key actions of create and update (delete lists none). */
export const DYNAMODB_TABLE_HANDLER_KEY_ACTIONS: Record<Operation, readonly string[]> = {
  create: ['kms:CreateGrant', 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:RevokeGrant'],
  update: ['kms:CreateGrant', 'kms:DescribeKey', 'kms:RevokeGrant'],
  delete: [],
};

/** The DynamoDB guide's minimum for the principal who selects a customer managed key, wildcards expanded. */
export const DYNAMODB_GUIDE_KEY_ACTIONS: readonly string[] = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:DescribeKey',
  'kms:CreateGrant',
];

/** Actions the table handler may also call on the key itself rather than through DynamoDB. */
const ALSO_DIRECT = new Set(['kms:DescribeKey', 'kms:RevokeGrant']);

/** Every call on the key of a deploy that creates, updates and deletes the key and the tables encrypted with it. */
export function keyCallsOf(tablesOnKey: number): KeyCall[] {
  const calls = new Map<string, KeyCall>();
  const add = (call: KeyCall): void => void calls.set(`${call.operation} ${call.action} ${call.via}`, call);
  for (const [operation, actions] of Object.entries(KMS_KEY_HANDLER_KEY_ACTIONS) as [Operation, readonly string[]][]) {
    for (const action of actions) add({ operation, action, via: 'direct' });
  }
  if (tablesOnKey === 0) return [...calls.values()];
  for (const [operation, actions] of Object.entries(DYNAMODB_TABLE_HANDLER_KEY_ACTIONS) as [Operation, readonly string[]][]) {
    // Selecting the key on create, or a new key on update, needs the guide's minimum too.
    const viaDynamoDb = operation === 'delete' ? actions : [...new Set([...actions, ...DYNAMODB_GUIDE_KEY_ACTIONS])];
    for (const action of viaDynamoDb) add({ operation, action, via: 'dynamodb' });
    for (const action of actions.filter((candidate) => ALSO_DIRECT.has(candidate))) add({ operation, action, via: 'direct' });
  }
  return [...calls.values()];
}
