import { createHash } from 'node:crypto';
import { TokenCache, type FetchToken, type TokenRequest } from '../../../client/token-cache';
import type { TokenResult } from '../../../client/token-result';

const T0 = Date.parse('2026-11-29T12:00:00Z');
const PLAIN = { forceRefresh: false };
const sha256 = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

function result(accessToken: string, expiresIn = 3600, nowMs = T0): TokenResult {
  return {
    accessToken,
    tokenType: 'Bearer',
    expiresAt: new Date(nowMs + expiresIn * 1000).toISOString(),
    expiresIn,
    audience: 'wlloyalty.net',
    source: 'issuer',
    credentialSet: 'default',
  };
}

/** A fetch whose answers the test hands out one by one. */
function scriptedFetch() {
  const calls: { request: TokenRequest; resolve: (r: TokenResult) => void; reject: (e: unknown) => void }[] = [];
  const fetch = jest.fn<ReturnType<FetchToken>, Parameters<FetchToken>>(
    (request) => new Promise((resolve, reject) => calls.push({ request, resolve, reject })),
  );
  const call = (i: number) => {
    const c = calls[i];
    if (!c) throw new Error(`no fetch call ${i}`);
    return c;
  };
  return { fetch, calls, call };
}

let now: number;
const clock = () => now;

beforeEach(() => {
  now = T0;
});

test('the first get asks the service; later gets use memory, with expiresIn counted down', async () => {
  const { fetch, call } = scriptedFetch();
  const cache = new TokenCache(fetch, { now: clock });

  const first = cache.get();
  call(0).resolve(result('token-1', 3600));
  await expect(first).resolves.toMatchObject({ accessToken: 'token-1', expiresIn: 3600 });
  now += 1000 * 1000;
  const second = await cache.get();

  expect(fetch).toHaveBeenCalledTimes(1);
  expect(fetch).toHaveBeenCalledWith(PLAIN);
  expect(second).toMatchObject({ accessToken: 'token-1', expiresIn: 2600, source: 'issuer' });
});

test('a token is renewed once it has less than refreshBeforeExpirySeconds left (60 s by default)', async () => {
  const { fetch, call } = scriptedFetch();
  const cache = new TokenCache(fetch, { now: clock });
  const first = cache.get();
  call(0).resolve(result('token-1', 3600));
  await first;

  now = T0 + (3600 - 61) * 1000;
  await cache.get();
  expect(fetch).toHaveBeenCalledTimes(1);

  now = T0 + (3600 - 60) * 1000;
  const renewed = cache.get();
  call(1).resolve(result('token-2', 3600, now));
  await expect(renewed).resolves.toMatchObject({ accessToken: 'token-2' });
  expect(fetch).toHaveBeenCalledTimes(2);
});

test('the margin is configurable', async () => {
  const { fetch, call } = scriptedFetch();
  const cache = new TokenCache(fetch, { now: clock, refreshBeforeExpirySeconds: 600 });
  const first = cache.get();
  call(0).resolve(result('token-1', 3600));
  await first;

  now = T0 + 3000 * 1000;
  void cache.get();

  expect(fetch).toHaveBeenCalledTimes(2);
  expect(() => new TokenCache(fetch, { refreshBeforeExpirySeconds: -1 })).toThrow(RangeError);
});

test('concurrent callers share one request', async () => {
  const { fetch, call } = scriptedFetch();
  const cache = new TokenCache(fetch, { now: clock });

  const pending = Array.from({ length: 10 }, () => cache.get());
  call(0).resolve(result('token-1'));
  const results = await Promise.all(pending);

  expect(fetch).toHaveBeenCalledTimes(1);
  expect(new Set(results.map((r) => r.accessToken))).toEqual(new Set(['token-1']));
});

test('a failure reaches every waiting caller and is not remembered', async () => {
  const { fetch, call } = scriptedFetch();
  const cache = new TokenCache(fetch, { now: clock });
  const failure = new Error('service down');

  const pending = [cache.get(), cache.get()];
  call(0).reject(failure);
  await expect(Promise.all(pending)).rejects.toBe(failure);
  await expect(pending[1]).rejects.toBe(failure);

  const retry = cache.get();
  call(1).resolve(result('token-1'));
  await expect(retry).resolves.toMatchObject({ accessToken: 'token-1' });
  expect(fetch).toHaveBeenCalledTimes(2);
});

test('expiry is counted from when the request was sent, on the local clock', async () => {
  const { fetch, call } = scriptedFetch();
  const cache = new TokenCache(fetch, { now: clock });

  const first = cache.get();
  now += 5_000; // a slow answer
  // The service's clock is an hour ahead: its expiresAt says nothing about ours.
  call(0).resolve({ ...result('token-1', 3600), expiresAt: new Date(T0 + 7200_000).toISOString() });

  await expect(first).resolves.toMatchObject({ expiresIn: 3595 });
  now = T0 + (3600 - 60) * 1000;
  void cache.get();
  expect(fetch).toHaveBeenCalledTimes(2);
});

test('refresh asks the service to mint a new token; concurrent refreshes share one request', async () => {
  const { fetch, call } = scriptedFetch();
  const cache = new TokenCache(fetch, { now: clock });
  const first = cache.get();
  call(0).resolve(result('token-1'));
  await first;

  const refreshes = [cache.refresh(), cache.refresh()];
  // The current token stays good for callers who did not ask for a new one.
  const getDuringRefresh = cache.get();
  expect(fetch).toHaveBeenCalledTimes(2);

  call(1).resolve(result('token-2'));
  await expect(Promise.all([...refreshes, getDuringRefresh])).resolves.toEqual([
    expect.objectContaining({ accessToken: 'token-2' }),
    expect.objectContaining({ accessToken: 'token-2' }),
    expect.objectContaining({ accessToken: 'token-1' }),
  ]);
  expect(fetch.mock.calls).toEqual([[PLAIN], [{ forceRefresh: true, replacesTokenSha256: sha256('token-1') }]]);
  await expect(cache.get()).resolves.toMatchObject({ accessToken: 'token-2' });
});

test('a refresh names the refused token by its fingerprint: the one held, or the one given', async () => {
  const { fetch, call } = scriptedFetch();
  const cache = new TokenCache(fetch, { now: clock });
  const first = cache.get();
  call(0).resolve(result('token-1'));
  await first;

  const held = cache.refresh();
  call(1).resolve(result('token-2'));
  await held;
  const named = cache.refresh({ replacing: { accessToken: 'token-2' } });
  call(2).resolve(result('token-3'));
  await named;
  const byFingerprint = cache.refresh({ replacingSha256: sha256('token-3').toUpperCase() });
  call(3).resolve(result('token-4'));
  await byFingerprint;

  expect(fetch.mock.calls.slice(1).map(([request]) => request)).toEqual([
    { forceRefresh: true, replacesTokenSha256: sha256('token-1') },
    { forceRefresh: true, replacesTokenSha256: sha256('token-2') },
    { forceRefresh: true, replacesTokenSha256: sha256('token-3') },
  ]);
});

test('a refresh of a token already replaced here returns the replacement without asking (compare-and-refresh)', async () => {
  const { fetch, call } = scriptedFetch();
  const cache = new TokenCache(fetch, { now: clock });
  const first = cache.get();
  call(0).resolve(result('token-1'));
  await first;
  const refreshed = cache.refresh({ replacing: 'token-1' });
  call(1).resolve(result('token-2'));
  await refreshed;

  // Callers refused with token-1 after the refresh settled: token-2 is already its replacement.
  const late = await Promise.all([cache.refresh({ replacing: 'token-1' }), cache.refresh({ replacingSha256: sha256('token-1') })]);

  expect(late.map((r) => r.accessToken)).toEqual(['token-2', 'token-2']);
  expect(fetch).toHaveBeenCalledTimes(2);
});

test('without a token held or named, a refresh sends no fingerprint (the service applies its 60-second rule)', async () => {
  const { fetch, call } = scriptedFetch();
  const cache = new TokenCache(fetch, { now: clock });

  const forced = cache.refresh();
  call(0).resolve(result('token-1'));
  await forced;

  expect(fetch.mock.calls).toEqual([[{ forceRefresh: true }]]);
});

test('a malformed fingerprint is refused before anything is sent', async () => {
  const { fetch } = scriptedFetch();
  const cache = new TokenCache(fetch, { now: clock });

  await expect(cache.refresh({ replacingSha256: 'abc' })).rejects.toThrow(/64 characters 0-9 and a-f/);
  await expect(cache.refresh({ replacing: '' })).rejects.toThrow(TypeError);
  expect(fetch).not.toHaveBeenCalled();
});

test('a refresh supersedes a request in flight: the older answer is returned but not kept', async () => {
  const { fetch, call } = scriptedFetch();
  const cache = new TokenCache(fetch, { now: clock });

  const plain = cache.get();
  const forced = cache.refresh();
  call(1).resolve(result('token-new'));
  call(0).resolve(result('token-old'));

  await expect(plain).resolves.toMatchObject({ accessToken: 'token-old' });
  await expect(forced).resolves.toMatchObject({ accessToken: 'token-new' });
  await expect(cache.get()).resolves.toMatchObject({ accessToken: 'token-new' });
  expect(fetch).toHaveBeenCalledTimes(2);
});

test('clear forgets the token', async () => {
  const { fetch, call } = scriptedFetch();
  const cache = new TokenCache(fetch, { now: clock });
  const first = cache.get();
  call(0).resolve(result('token-1'));
  await first;

  cache.clear();
  const next = cache.get();
  call(1).resolve(result('token-2'));

  await expect(next).resolves.toMatchObject({ accessToken: 'token-2' });
});

describe('elapsed time comes from a monotonic clock, not the wall clock', () => {
  afterEach(() => jest.useRealTimers());

  /** A cache on the default clocks (faked), holding a token for an hour. */
  async function holding() {
    jest.useFakeTimers({ now: T0 });
    const { fetch, call } = scriptedFetch();
    const cache = new TokenCache(fetch);
    const first = cache.get();
    call(0).resolve(result('token-1', 3600));
    await first;
    return { fetch, call, cache };
  }

  test('a token is not served past its life when the wall clock steps back', async () => {
    const { fetch, call, cache } = await holding();

    // An hour passes, then NTP (or an operator) sets the wall clock back two hours.
    jest.advanceTimersByTime(3600 * 1000);
    jest.setSystemTime(Date.now() - 2 * 3600 * 1000);
    const renewed = cache.get();

    expect(fetch).toHaveBeenCalledTimes(2);
    call(1).resolve(result('token-2', 3600));
    await expect(renewed).resolves.toMatchObject({ accessToken: 'token-2', expiresIn: 3600 });
  });

  test('expiresIn is not stretched by a wall clock stepped back, nor cut by one stepped forward', async () => {
    const { fetch, cache } = await holding();

    jest.advanceTimersByTime(600 * 1000);
    jest.setSystemTime(Date.now() - 2 * 3600 * 1000);
    const back = await cache.get();
    jest.setSystemTime(Date.now() + 5 * 3600 * 1000);
    const forward = await cache.get();

    expect([back.expiresIn, forward.expiresIn]).toEqual([3000, 3000]);
    expect(fetch).toHaveBeenCalledTimes(1);
  }, 5_000);
});
