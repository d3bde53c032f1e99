import { backoffDelayMs, DEFAULT_RETRY_POLICY, rateLimitWaitMs, retryAfterMs } from '../../../lambda/issuer/retry-policy';

const NOW = Date.parse('2026-11-29T12:00:00Z');

test('Retry-After as seconds or as any of the three HTTP date forms', () => {
  expect(retryAfterMs('120', NOW)).toBe(120_000);
  expect(retryAfterMs('Sun, 29 Nov 2026 12:00:30 GMT', NOW)).toBe(30_000);
  expect(retryAfterMs('Sunday, 29-Nov-26 12:00:30 GMT', NOW)).toBe(30_000);
  expect(retryAfterMs('Sun Nov 29 12:00:30 2026', NOW)).toBe(30_000);
  expect(retryAfterMs('Sun, 29 Nov 2026 11:00:00 GMT', NOW)).toBe(0);
});

test.each(['-5', '1.5', 'x 1', '5, 5', '9'.repeat(400), '', 'soon'])('Retry-After %j is not a wait', (value) => {
  expect(retryAfterMs(value, NOW)).toBeUndefined();
});

test('a 429 without a valid Retry-After falls back to X-RateLimit-Reset, then to nothing', () => {
  expect(rateLimitWaitMs(new Headers({ 'retry-after': '-5', 'x-ratelimit-reset': String(NOW / 1000 + 7) }), NOW)).toBe(7_000);
  expect(rateLimitWaitMs(new Headers({ 'x-ratelimit-reset': '9'.repeat(400) }), NOW)).toBeUndefined();
  expect(rateLimitWaitMs(new Headers({}), NOW)).toBeUndefined();
});

test('backoff has full jitter under an exponential, capped ceiling', () => {
  expect(backoffDelayMs(DEFAULT_RETRY_POLICY, 1, () => 0.999)).toBeLessThan(200);
  expect(backoffDelayMs(DEFAULT_RETRY_POLICY, 10, () => 0.999)).toBeLessThan(2_000);
  expect(backoffDelayMs(DEFAULT_RETRY_POLICY, 3, () => 0)).toBe(0);
});
