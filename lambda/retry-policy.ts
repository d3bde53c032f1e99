/**
 * How long to wait before another attempt: exponential backoff with full jitter for
 * server errors and network failures, and the issuer's own word for a 429.
 */

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** Each attempt (request and body) is aborted after this long. */
  readonly attemptTimeoutMs: number;
  /** All attempts and waits together stay within this. */
  readonly budgetMs: number;
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  /** The longest wait on a 429 we sit out; a longer one is reported to the caller instead. */
  readonly maxRateLimitWaitMs: number;
}

/**
 * 3 attempts of at most 5 s with backoff stay within 12 s: well inside the
 * function's 20 s timeout and API Gateway's 29 s.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 3,
  attemptTimeoutMs: 5_000,
  budgetMs: 12_000,
  backoffBaseMs: 200,
  backoffCapMs: 2_000,
  maxRateLimitWaitMs: 5_000,
});

/** Full jitter: a random wait up to base * 2^(attempt-1), capped. */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.backoffCapMs, policy.backoffBaseMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * The wait a 429 asks for, in milliseconds: `Retry-After` (seconds or an HTTP
 * date), else `X-RateLimit-Reset` (epoch seconds), else undefined.
 */
export function rateLimitWaitMs(headers: Headers, nowMs: number): number | undefined {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - nowMs);
  }
  const reset = headers.get('x-ratelimit-reset')?.trim();
  if (reset && /^\d+$/.test(reset)) return Math.max(0, Number(reset) * 1000 - nowMs);
  return undefined;
}
