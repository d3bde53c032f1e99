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
 * The forms RFC 9110 allows for `Retry-After`: delay-seconds, IMF-fixdate, and the obsolete
 * RFC 850 and asctime dates. Anything else is ignored: `Date.parse` alone reads nearly any
 * string ("1.5", "-5", "x 1") as some date.
 */
const RETRY_AFTER_FORMS = {
  seconds: /^\d{1,10}$/,
  imfFixdate: /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
  rfc850: /^[A-Za-z]{6,9}, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/,
  asctime: /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/,
} as const;

/** A `Retry-After` value as a wait in ms from `nowMs`, or undefined when it is not a valid form. */
export function retryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text || text.length > 64) return undefined;
  if (RETRY_AFTER_FORMS.seconds.test(text)) return Number(text) * 1000;
  // asctime carries no zone but means GMT; Date.parse would take it as local time.
  const date = RETRY_AFTER_FORMS.asctime.test(text)
    ? Date.parse(`${text} GMT`)
    : RETRY_AFTER_FORMS.imfFixdate.test(text) || RETRY_AFTER_FORMS.rfc850.test(text)
      ? Date.parse(text)
      : NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/**
 * The wait a 429 asks for, in milliseconds: `Retry-After` (seconds or an HTTP
 * date), else `X-RateLimit-Reset` (epoch seconds), else undefined.
 */
export function rateLimitWaitMs(headers: Headers, nowMs: number): number | undefined {
  const retryAfter = retryAfterMs(headers.get('retry-after'), nowMs);
  if (retryAfter !== undefined) return retryAfter;
  const reset = headers.get('x-ratelimit-reset')?.trim();
  if (reset && /^\d{1,12}$/.test(reset)) return Math.max(0, Number(reset) * 1000 - nowMs);
  return undefined;
}
