/**
 * Reads where a client stands with the issuer from the headers of its answers
 * (successes and 429s alike): the request rate limit (`X-RateLimit-*`,
 * `Retry-After`) and Auth0's fine-grained token quotas (`Auth0-Client-Quota-Limit`,
 * `Auth0-Organization-Quota-Limit`).
 *
 * These headers only feed telemetry, so the parser never throws and never lets
 * a broken or hostile value through: whatever is invalid is left out, and every
 * number returned is a non-negative safe integer. The work done is bounded
 * however large a header is.
 *
 * Decisions worth knowing:
 * - A header value is examined up to {@link MAX_HEADER_CHARS}; a quota list cut
 *   there loses its incomplete last bucket rather than being read with a
 *   truncated number.
 * - A numeric header sent more than once (joined by commas) counts only when all
 *   copies agree.
 * - A quota bucket needs `b`, `q`, `r` and `t`; keys are case-insensitive, unknown
 *   keys are ignored, a key given twice in one bucket drops the bucket.
 * - `q` must be at least 1 (Auth0 accepts no smaller quota), so shares are defined.
 * - A negative `r` is read as 0: Auth0 counts eventually consistently and may
 *   overrun a quota briefly, and an exhausted bucket must not disappear from view.
 * - `r` greater than `q` contradicts itself: the bucket is dropped.
 * - A bucket named twice in one header keeps its lowest remaining value, so a
 *   low bucket is never hidden by a duplicate.
 * - At most {@link MAX_BUCKETS_PER_HEADER} buckets per header are kept.
 */

import { retryAfterMs } from './retry-policy';

/** The issuer's rate-limit and quota state as reported by one answer. */
export interface IssuerQuotaReport {
  /** From `X-RateLimit-Limit` / `-Remaining` / `-Reset` (UNIX seconds); each field only when valid. */
  readonly rateLimit?: { readonly limit?: number; readonly remaining?: number; readonly resetAtMs?: number };
  /** From `Retry-After` (seconds or HTTP date), in milliseconds from now; only when valid. */
  readonly retryAfterMs?: number;
  /** From the Auth0 quota headers, one entry per valid bucket, client buckets first. */
  readonly quotaBuckets: readonly QuotaBucket[];
}

/** Which entity a quota bucket limits, after the header it came from. */
export type QuotaScope = 'client' | 'organization';

/** One fine-grained quota bucket, e.g. the application's hourly token quota. */
export interface QuotaBucket {
  /** `client` from `Auth0-Client-Quota-Limit`, `organization` from `Auth0-Organization-Quota-Limit`. */
  readonly scope: QuotaScope;
  /** `b=`, lower-cased, e.g. `per_hour`, `per_day`; always matches `[a-z0-9_]{1,32}`. */
  readonly bucket: string;
  /** `q=`: tokens allowed in the bucket's period, at least 1. */
  readonly quota: number;
  /** `r=`: tokens still allowed, 0..quota. */
  readonly remaining: number;
  /** `t=`: seconds until the bucket resets. */
  readonly resetSeconds: number;
}

/** Longest part of a header value examined: Auth0's real values are under 100 characters. */
export const MAX_HEADER_CHARS = 1024;
/** Most buckets kept per quota header: Auth0 sends at most two (hourly and daily). */
export const MAX_BUCKETS_PER_HEADER = 8;

const QUOTA_HEADERS: readonly (readonly [QuotaScope, string])[] = [
  ['client', 'auth0-client-quota-limit'],
  ['organization', 'auth0-organization-quota-limit'],
];

const BUCKET_NAME = /^[a-z0-9_]{1,32}$/;
const NON_NEGATIVE_INTEGER = /^\d{1,16}$/;
const SIGNED_INTEGER = /^-?\d{1,16}$/;
/** Delay-seconds and the three HTTP-date forms of RFC 9110 (IMF-fixdate, RFC 850, asctime). */
/**
 * Reads the rate-limit and quota headers of one issuer answer. Never throws;
 * absent or invalid values are simply missing from the report.
 *
 * @param headers the answer's headers
 * @param nowMs the current time, to turn a `Retry-After` date into a wait
 */
export function parseIssuerQuotaHeaders(headers: Headers, nowMs: number): IssuerQuotaReport {
  const report: { -readonly [K in keyof IssuerQuotaReport]: IssuerQuotaReport[K] } = { quotaBuckets: [] };
  try {
    const rateLimit = readRateLimit(headers);
    if (rateLimit) report.rateLimit = rateLimit;
    const retryAfterMs = readRetryAfterMs(headers, nowMs);
    if (retryAfterMs !== undefined) report.retryAfterMs = retryAfterMs;
    report.quotaBuckets = QUOTA_HEADERS.flatMap(([scope, name]) => readQuotaBuckets(scope, headers.get(name)));
  } catch {
    // Unreachable by design; telemetry must still never fail an issuer answer.
  }
  return report;
}

/**
 * The lowest remaining share over the report's buckets, in percent (0..100),
 * or undefined when there is no bucket.
 */
export function lowestRemainingPercent(report: IssuerQuotaReport): number | undefined {
  let lowest: number | undefined;
  for (const { remaining, quota } of report.quotaBuckets) {
    if (!(quota >= 1) || !(remaining >= 0) || remaining > quota) continue;
    const percent = (remaining / quota) * 100;
    if (lowest === undefined || percent < lowest) lowest = percent;
  }
  return lowest;
}

function readRateLimit(headers: Headers): IssuerQuotaReport['rateLimit'] {
  const limit = readIntegerHeader(headers.get('x-ratelimit-limit'));
  const remaining = readIntegerHeader(headers.get('x-ratelimit-remaining'));
  const resetSeconds = readIntegerHeader(headers.get('x-ratelimit-reset'));
  const resetAtMs = resetSeconds === undefined ? undefined : safeOrUndefined(resetSeconds * 1000);
  if (limit === undefined && remaining === undefined && resetAtMs === undefined) return undefined;
  return {
    ...(limit !== undefined && { limit }),
    ...(remaining !== undefined && { remaining }),
    ...(resetAtMs !== undefined && { resetAtMs }),
  };
}

/** `Retry-After` alone, read by the retry policy (the valid RFC 9110 forms only). */
function readRetryAfterMs(headers: Headers, nowMs: number): number | undefined {
  const waitMs = retryAfterMs(headers.get('retry-after'), nowMs);
  return waitMs === undefined ? undefined : safeOrUndefined(waitMs);
}

/** A non-negative integer, or undefined; copies of a repeated header must agree. */
function readIntegerHeader(value: string | null): number | undefined {
  if (value === null || value.length > MAX_HEADER_CHARS) return undefined;
  const copies = value.split(',').map((copy) => readNonNegativeInteger(copy.trim()));
  const first = copies[0];
  return copies.every((copy) => copy !== undefined && copy === first) ? first : undefined;
}

function readQuotaBuckets(scope: QuotaScope, value: string | null): QuotaBucket[] {
  if (value === null) return [];
  const byName = new Map<string, QuotaBucket>();
  for (const segment of completeSegments(value)) {
    const bucket = readQuotaBucket(scope, segment);
    if (!bucket) continue;
    const seen = byName.get(bucket.bucket);
    if (seen) {
      if (bucket.remaining < seen.remaining) byName.set(bucket.bucket, bucket);
      continue;
    }
    if (byName.size >= MAX_BUCKETS_PER_HEADER) break;
    byName.set(bucket.bucket, bucket);
  }
  return [...byName.values()];
}

/** The comma-separated buckets within the examined prefix, without a bucket cut short by it. */
function completeSegments(value: string): string[] {
  if (value.length <= MAX_HEADER_CHARS) return value.split(',');
  const prefix = value.slice(0, MAX_HEADER_CHARS);
  const lastComma = prefix.lastIndexOf(',');
  return lastComma < 0 ? [] : prefix.slice(0, lastComma).split(',');
}

function readQuotaBucket(scope: QuotaScope, segment: string): QuotaBucket | undefined {
  const fields = new Map<string, string>();
  for (const pair of segment.split(';')) {
    const equals = pair.indexOf('=');
    if (equals < 0) continue;
    const key = pair.slice(0, equals).trim().toLowerCase();
    if (!['b', 'q', 'r', 't'].includes(key)) continue;
    if (fields.has(key)) return undefined;
    fields.set(key, pair.slice(equals + 1).trim());
  }
  const bucket = fields.get('b')?.toLowerCase();
  const quota = readNonNegativeInteger(fields.get('q'));
  const remaining = readRemaining(fields.get('r'));
  const resetSeconds = readNonNegativeInteger(fields.get('t'));
  if (bucket === undefined || !BUCKET_NAME.test(bucket)) return undefined;
  if (quota === undefined || quota < 1 || remaining === undefined || resetSeconds === undefined) return undefined;
  if (remaining > quota) return undefined;
  return { scope, bucket, quota, remaining, resetSeconds };
}

/** `r` may be negative after a brief overrun: that bucket is exhausted, so 0. */
function readRemaining(value: string | undefined): number | undefined {
  if (value === undefined || !SIGNED_INTEGER.test(value)) return undefined;
  const remaining = safeOrUndefined(Number(value.replace(/^-/, '')));
  if (remaining === undefined) return undefined;
  return value.startsWith('-') ? 0 : remaining;
}

function readNonNegativeInteger(value: string | undefined): number | undefined {
  if (value === undefined || !NON_NEGATIVE_INTEGER.test(value)) return undefined;
  return safeOrUndefined(Number(value));
}

function safeOrUndefined(value: number): number | undefined {
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}
