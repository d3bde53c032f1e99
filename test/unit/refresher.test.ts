import { CredentialsError, IssuerError, RateLimitedError } from '../../lambda/errors';
import { BackoffActive, backoffError, TokenRefresher, type RefreshRequest } from '../../lambda/refresher';
import { FakeClock, FakeIssuer, MemoryCache } from '../support/fakes';

const KEY = 'key-1';
let clock: FakeClock;
let cache: MemoryCache;
let issuer: FakeIssuer;

beforeEach(() => {
  clock = new FakeClock();
  cache = new MemoryCache(clock);
  issuer = new FakeIssuer(clock);
});

function refresher(leaseMs = 15_000): TokenRefresher {
  return new TokenRefresher({ leaseMs, refreshMarginSeconds: 300 }, { cache, issuer, now: clock.now, sleep: clock.sleep, random: () => 1 });
}

function request(overrides: Partial<RefreshRequest> = {}): RefreshRequest {
  return {
    key: KEY,
    credentials: { clientId: 'c', clientSecret: 's' },
    audience: 'wlloyalty.net',
    acceptable: (token) => token.expiresAt * 1000 - clock.now() > 300_000,
    deadlineMs: clock.now() + 20_000,
    wait: true,
    ...overrides,
  };
}

test('the lease holder asks the issuer, stores the token and lets the lease go', async () => {
  const outcome = await refresher().refresh(request());

  expect(outcome).toMatchObject({ source: 'issuer', waitedMs: 0, token: { accessToken: 'token-1' } });
  expect(cache.tokens.get(KEY)?.accessToken).toBe('token-1');
  expect(cache.leases.get(KEY)?.leaseUntil).toBe(0);
  expect(issuer.requests).toHaveLength(1);
});

test('while another container holds the lease, it waits for that token instead of asking', async () => {
  await cache.acquire(KEY, 'other-container', 15_000);
  const get = cache.get.bind(cache);
  let reads = 0;
  jest.spyOn(cache, 'get').mockImplementation(async (key) => {
    reads += 1;
    // The other container's token lands after the third look.
    if (reads === 3) await cache.put(KEY, { accessToken: 'theirs', tokenType: 'Bearer', issuedAt: clock.now() / 1000, expiresAt: clock.now() / 1000 + 86_400 });
    return get(key);
  });
  const startedAt = clock.now();

  const outcome = await refresher().refresh(request());

  expect(outcome).toMatchObject({ source: 'cache', token: { accessToken: 'theirs' } });
  expect(outcome?.waitedMs).toBe(clock.now() - startedAt);
  expect(issuer.requests).toHaveLength(0);
});

test('a lease that lapses without a token is taken over: one request, after the lease time', async () => {
  await cache.acquire(KEY, 'crashed-container', 1_000);
  const startedAt = clock.now();

  const outcome = await refresher().refresh(request());

  expect(outcome?.source).toBe('issuer');
  expect(issuer.requests).toHaveLength(1);
  const waited = clock.now() - startedAt;
  expect(waited).toBeGreaterThanOrEqual(1_000);
  // Polls back off to at most one second: recovery within the lease plus one poll.
  expect(waited).toBeLessThanOrEqual(2_000);
});

test('a waiter gives up at its deadline with an IssuerError', async () => {
  await cache.acquire(KEY, 'slow-container', 15_000);

  await expect(refresher().refresh(request({ deadlineMs: clock.now() + 2_000 }))).rejects.toThrow(/Another container has been asking/);
  expect(issuer.requests).toHaveLength(0);
});

test('without waiting, a held lease means nothing to do', async () => {
  await cache.acquire(KEY, 'other-container', 15_000);

  await expect(refresher().refresh(request({ wait: false }))).resolves.toBeUndefined();
});

test('after taking the lease it looks in the table once more before asking', async () => {
  const get = cache.get.bind(cache);
  let reads = 0;
  jest.spyOn(cache, 'get').mockImplementation(async (key) => {
    reads += 1;
    if (reads === 1) await cache.put(KEY, { accessToken: 'just-stored', tokenType: 'Bearer', issuedAt: clock.now() / 1000, expiresAt: clock.now() / 1000 + 86_400 });
    return get(key);
  });

  const outcome = await refresher().refresh(request());

  expect(outcome).toMatchObject({ source: 'cache', token: { accessToken: 'just-stored' } });
  expect(issuer.requests).toHaveLength(0);
  expect(cache.leases.get(KEY)?.leaseUntil).toBe(0);
});

test('with the lease off it asks at once and never touches the lease', async () => {
  const acquire = jest.spyOn(cache, 'acquire');

  await refresher(0).refresh(request());

  expect(acquire).not.toHaveBeenCalled();
  expect(issuer.requests).toHaveLength(1);
});

test.each([
  ['a 429', new RateLimitedError(30, 'slow down'), { reason: 'rate_limited', notBeforeMs: 1_800_000_030_000 }],
  ['a failing issuer', new IssuerError('down'), { reason: 'issuer_error', notBeforeMs: 1_800_000_010_000 }],
])('%s leaves a shared back-off that others honour', async (_what, failure, backoff) => {
  issuer.enqueue(failure);

  await expect(refresher().refresh(request())).rejects.toBe(failure);
  const second = await refresher().refresh(request()).catch((e: unknown) => e);

  expect(cache.leases.get(KEY)?.backoff).toEqual(backoff);
  expect(second).toBeInstanceOf(BackoffActive);
  expect(issuer.requests).toHaveLength(1);
});

test('rejected credentials leave no back-off: a re-read secret may fix them at once', async () => {
  issuer.enqueue(new CredentialsError('rejected', 'no'));

  await expect(refresher().refresh(request())).rejects.toThrow(CredentialsError);

  expect(cache.leases.get(KEY)?.backoff).toBeUndefined();
});

test('a token that would live no longer than the margin is refused and not stored', async () => {
  issuer.enqueue({ lifetimeSeconds: 200 });

  await expect(refresher().refresh(request())).rejects.toThrow(/lower TOKEN_REFRESH_MARGIN_SECONDS/);
  expect(cache.tokens.size).toBe(0);
});

test('the back-off error says when to come back', () => {
  expect(backoffError({ reason: 'rate_limited', notBeforeMs: 10_500 }, 1_000)).toMatchObject({ name: 'RateLimitedError', retryAfterSeconds: 10 });
  expect(backoffError({ reason: 'issuer_error', notBeforeMs: 5_000, }, 1_000)).toMatchObject({ name: 'IssuerError', message: expect.stringMatching(/for 4 s/) });
});
