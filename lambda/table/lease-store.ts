/**
 * The refresh lease in DynamoDB: one item per token key that says who may ask the issuer now
 * (fenced by a lease id, DESIGN.md convention 15) and what the last holder learned for everyone
 * (a back-off, a refusal, an unusable answer).
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';

/**
 * Why nobody should ask the issuer before `notBeforeMs`: it rate-limited us, it failed, or
 * it granted a token the function cannot use (a lifetime within the margin, or absurd).
 */
export type BackoffReason = 'rate_limited' | 'issuer_error' | 'unusable_answer';

export interface Backoff {
  readonly notBeforeMs: number;
  readonly reason: BackoffReason;
  /** For `unusable_answer`: the caller-facing message saying what to change (our words only, never a token). */
  readonly message?: string;
}

/** The issuer refused these credentials (for this audience) recently; nobody asks again before `untilMs`. */
export interface Rejection {
  readonly untilMs: number;
  /** The caller-facing message of the original refusal (our words and the issuer's sanitised description). */
  readonly message: string;
  /**
   * When the refusal was seen (epoch ms): a container whose credentials were read before it
   * reads the secret again at once (CONTRACT section 2). Absent on items recorded without it.
   */
  readonly seenAtMs?: number;
}

/** One acquisition of the lease: its own identity, so a late release of an earlier one changes nothing. */
export interface Lease {
  readonly key: string;
  readonly id: string;
  readonly untilMs: number;
}

export type LeaseOutcome =
  | { readonly kind: 'acquired'; readonly lease: Lease }
  /** Another acquisition holds it until `untilMs`. */
  | { readonly kind: 'held'; readonly untilMs: number }
  | { readonly kind: 'backoff'; readonly backoff: Backoff }
  | { readonly kind: 'rejected'; readonly rejection: Rejection };

/** What the holder learned, recorded when it lets go. */
export interface LeaseResult {
  readonly backoff?: Backoff;
  readonly rejection?: Rejection;
}

/**
 * The refresh lease: at most one container at a time asks the issuer for a given key
 * (CONTRACT section 3). It lapses on its own, so a crashed holder blocks nobody for
 * long. It is fenced (DESIGN 15): every acquisition writes a new id, and a release is
 * conditional on that id and on the lease not having lapsed. An acquisition refused by an
 * item holding its own id was applied by an earlier attempt of the same request: it holds it. The same item records a
 * shared back-off after a 429, a failing issuer or an answer the function cannot use, and
 * a remembered rejection of the credentials (the key is derived from them, so new credentials start clean).
 */
export interface LeaseStore {
  /** Throws AcquisitionInDoubt when the write may have been applied although no answer came. */
  acquire(key: string, leaseMs: number, signal: AbortSignal): Promise<LeaseOutcome>;
  /** Gives the lease up if it is still this acquisition's, recording what the holder learned. */
  release(lease: Lease, result: LeaseResult, signal: AbortSignal): Promise<void>;
}

export const LEASE_KEY_PREFIX = 'lease#';
/** Longest a rejection message kept on the lease item may be. */
const MAX_REJECTION_MESSAGE = 600;
/** Longest a back-off message (an unusable answer's) kept on the lease item may be. */
const MAX_BACKOFF_MESSAGE = 600;

/**
 * Lease items: `pk` = lease#<key>, `leaseId`, `leaseUntil`, `notBefore`, `rejectedUntil`,
 * `rejectedAt` (epoch ms), `backoffReason`, `backoffMessage`, `rejection`, and `ttl`
 * (epoch s) so DynamoDB clears idle ones.
 * An attribute that is not a number counts as absent, so a damaged item blocks nobody.
 */
export class DynamoDbLeaseStore implements LeaseStore {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBClient = new DynamoDBClient({}),
    private readonly now: () => number = () => Date.now(),
  ) {}

  async acquire(key: string, leaseMs: number, signal: AbortSignal): Promise<LeaseOutcome> {
    const now = this.now();
    const lease: Lease = { key, id: randomUUID(), untilMs: now + leaseMs };
    const free = (attribute: string) => `(attribute_not_exists(${attribute}) OR NOT attribute_type(${attribute}, :number) OR ${attribute} <= :now)`;
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: LEASE_KEY_PREFIX + key } },
          UpdateExpression: 'SET leaseId = :id, leaseUntil = :until, #ttl = :ttl',
          ConditionExpression: [free('leaseUntil'), free('notBefore'), free('rejectedUntil')].join(' AND '),
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':id': { S: lease.id },
            ':until': { N: String(lease.untilMs) },
            ':now': { N: String(now) },
            ':number': { S: 'N' },
            ':ttl': { N: String(ttlAfter(lease.untilMs)) },
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        { abortSignal: signal },
      );
      return { kind: 'acquired', lease };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        // The SDK resends a request whose answer was lost (a 500, a reset connection): when the
        // first attempt was applied, the resent one fails against it. Our own id is our lease.
        if (error.Item?.leaseId?.S === lease.id) return { kind: 'acquired', lease };
        return refusal(error.Item ?? {}, now);
      }
      if (mayHaveBeenApplied(error)) throw new AcquisitionInDoubt(lease, error);
      throw error;
    }
  }

  async release(lease: Lease, result: LeaseResult, signal: AbortSignal): Promise<void> {
    const values: Record<string, AttributeValue> = {
      ':id': { S: lease.id },
      ':now': { N: String(this.now()) },
      ':free': { N: '0' },
    };
    const updates = ['leaseUntil = :free'];
    let keepUntil = lease.untilMs;
    if (result.backoff) {
      updates.push('notBefore = :notBefore', 'backoffReason = :reason');
      values[':notBefore'] = { N: String(result.backoff.notBeforeMs) };
      values[':reason'] = { S: result.backoff.reason };
      if (result.backoff.message !== undefined) {
        updates.push('backoffMessage = :backoffMessage');
        values[':backoffMessage'] = { S: result.backoff.message.slice(0, MAX_BACKOFF_MESSAGE) };
      }
      keepUntil = Math.max(keepUntil, result.backoff.notBeforeMs);
    }
    if (result.rejection) {
      updates.push('rejectedUntil = :rejectedUntil', 'rejection = :rejection');
      values[':rejectedUntil'] = { N: String(result.rejection.untilMs) };
      values[':rejection'] = { S: result.rejection.message.slice(0, MAX_REJECTION_MESSAGE) };
      if (result.rejection.seenAtMs !== undefined) {
        updates.push('rejectedAt = :rejectedAt');
        values[':rejectedAt'] = { N: String(result.rejection.seenAtMs) };
      }
      keepUntil = Math.max(keepUntil, result.rejection.untilMs);
    }
    updates.push('#ttl = :ttl');
    values[':ttl'] = { N: String(ttlAfter(keepUntil)) };
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: LEASE_KEY_PREFIX + lease.key } },
          UpdateExpression: `SET ${updates.join(', ')}`,
          // Fenced: only this acquisition, and only while it has not lapsed.
          ConditionExpression: 'leaseId = :id AND leaseUntil > :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: values,
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      // Lapsed, or another acquisition holds it now: nothing of ours to give up or record.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

function refusal(item: Record<string, AttributeValue>, now: number): LeaseOutcome {
  const number = (name: string) => Number(item[name]?.N);
  const rejectedUntil = number('rejectedUntil');
  if (rejectedUntil > now) {
    const message = item.rejection?.S ?? 'The WLL token endpoint rejected the client credentials.';
    const rejectedAt = number('rejectedAt');
    return { kind: 'rejected', rejection: { untilMs: rejectedUntil, message, ...(Number.isFinite(rejectedAt) ? { seenAtMs: rejectedAt } : {}) } };
  }
  const notBefore = number('notBefore');
  if (notBefore > now) return { kind: 'backoff', backoff: backoffOf(item, notBefore) };
  const heldUntil = number('leaseUntil');
  return { kind: 'held', untilMs: heldUntil > now ? heldUntil : now };
}

function backoffOf(item: Record<string, AttributeValue>, notBeforeMs: number): Backoff {
  const reason = item.backoffReason?.S;
  if (reason === 'unusable_answer') return { notBeforeMs, reason, message: item.backoffMessage?.S };
  return { notBeforeMs, reason: reason === 'rate_limited' ? 'rate_limited' : 'issuer_error' };
}

/** Keep a lease item a day past its last use: long enough to be harmless, short enough to go. */
function ttlAfter(epochMs: number): number {
  return Math.ceil(epochMs / 1000) + 86_400;
}

/**
 * A lease acquisition whose outcome is unknown: the request may have reached DynamoDB and
 * been applied although no answer came back (our call cap or deadline cut it, the
 * connection broke, DynamoDB answered 5xx). If it was applied, the lease is ours under
 * `lease.id` and nobody else can take it until it lapses, so the caller treats it as held
 * and lets it go with the usual fenced release (conditional on that id): a release of an
 * acquisition that never happened changes nothing.
 */
export class AcquisitionInDoubt extends Error {
  override readonly name = 'AcquisitionInDoubt';
  constructor(
    readonly lease: Lease,
    cause: unknown,
  ) {
    super('The refresh lease acquisition got no answer; it may have been applied.', { cause });
  }
}

/** Network errors raised before anything was sent. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * False only when DynamoDB surely did not apply the call: it refused it (a 4xx error such
 * as throttling, a failed condition or access denied) or no connection was ever made, on the
 * call's only attempt. The error is the last attempt's: when the SDK retried, an earlier
 * attempt may have been applied (a 500 or a reset after DynamoDB wrote it) whatever the last met.
 */
export function mayHaveBeenApplied(error: unknown): boolean {
  const details = error as { $fault?: unknown; code?: unknown; cause?: { code?: unknown }; $metadata?: { attempts?: unknown } } | null;
  const attempts = details?.$metadata?.attempts;
  if (typeof attempts === 'number' && attempts > 1) return true;
  if (details?.$fault === 'client') return false;
  const code = details?.code ?? details?.cause?.code;
  return !(typeof code === 'string' && NOT_SENT.has(code));
}
