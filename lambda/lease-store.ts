import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';

/** Why nobody should ask the issuer before `notBeforeMs`. */
export type BackoffReason = 'rate_limited' | 'issuer_error';

export interface Backoff {
  readonly notBeforeMs: number;
  readonly reason: BackoffReason;
}

export type LeaseOutcome =
  | { readonly acquired: true }
  /** Another container holds the lease until `heldUntilMs`, or a shared back-off is on. */
  | { readonly acquired: false; readonly heldUntilMs?: number; readonly backoff?: Backoff };

/**
 * The refresh lease: at most one container at a time asks the issuer for a given key
 * (CONTRACT section 3). It lapses on its own, so a crashed holder blocks nobody for
 * long. The same item records a shared back-off after a 429 or a failing issuer.
 */
export interface LeaseStore {
  acquire(key: string, holder: string, leaseMs: number): Promise<LeaseOutcome>;
  /** Gives the lease up (only if still ours), recording a back-off when one is given. */
  release(key: string, holder: string, backoff?: Backoff): Promise<void>;
}

export const LEASE_KEY_PREFIX = 'lease#';

/**
 * Lease items: `pk` = lease#<key>, `holder`, `leaseUntil` and `notBefore` (epoch ms),
 * `backoffReason`, and `ttl` (epoch s) so DynamoDB clears idle leases.
 */
export class DynamoDbLeaseStore implements LeaseStore {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBClient = new DynamoDBClient({}),
    private readonly now: () => number = () => Date.now(),
  ) {}

  async acquire(key: string, holder: string, leaseMs: number): Promise<LeaseOutcome> {
    const now = this.now();
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: LEASE_KEY_PREFIX + key } },
          UpdateExpression: 'SET holder = :holder, leaseUntil = :until, #ttl = :ttl',
          // Free when nobody holds it (or the holder's time is up) and no back-off is on;
          // an attribute that is not a number counts as absent, so a damaged item blocks nobody.
          ConditionExpression:
            '(attribute_not_exists(leaseUntil) OR NOT attribute_type(leaseUntil, :number) OR leaseUntil <= :now) AND ' +
            '(attribute_not_exists(notBefore) OR NOT attribute_type(notBefore, :number) OR notBefore <= :now)',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':holder': { S: holder },
            ':until': { N: String(now + leaseMs) },
            ':now': { N: String(now) },
            ':number': { S: 'N' },
            ':ttl': { N: String(ttlAfter(now + leaseMs)) },
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { acquired: true };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return refusal(error.Item ?? {}, now);
      throw error;
    }
  }

  async release(key: string, holder: string, backoff?: Backoff): Promise<void> {
    const values: Record<string, AttributeValue> = { ':holder': { S: holder }, ':free': { N: '0' } };
    let update = 'SET leaseUntil = :free';
    if (backoff) {
      update += ', notBefore = :notBefore, backoffReason = :reason, #ttl = :ttl';
      values[':notBefore'] = { N: String(backoff.notBeforeMs) };
      values[':reason'] = { S: backoff.reason };
      values[':ttl'] = { N: String(ttlAfter(backoff.notBeforeMs)) };
    }
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: LEASE_KEY_PREFIX + key } },
          UpdateExpression: update,
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeNames: backoff ? { '#ttl': 'ttl' } : undefined,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      // Our lease lapsed and someone else took it: theirs now, nothing to give up.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

function refusal(item: Record<string, AttributeValue>, now: number): LeaseOutcome {
  const heldUntil = Number(item.leaseUntil?.N);
  const notBefore = Number(item.notBefore?.N);
  const reason = item.backoffReason?.S === 'issuer_error' ? 'issuer_error' : 'rate_limited';
  return {
    acquired: false,
    heldUntilMs: heldUntil > now ? heldUntil : undefined,
    backoff: notBefore > now ? { notBeforeMs: notBefore, reason } : undefined,
  };
}

/** Keep a lease item a day past its last use: long enough to be harmless, short enough to go. */
function ttlAfter(epochMs: number): number {
  return Math.ceil(epochMs / 1000) + 86_400;
}
