import { CredentialsError } from '../../lambda/errors';
import { RateLimitedError } from '../../lambda/errors';
import { TokenRefresher } from '../../lambda/refresher';
import { TokenVendor, type VendorLog } from '../../lambda/vendor';
import { FakeClock, FakeCredentials, FakeIssuer, MemoryCache } from '../support/fakes';

let clock: FakeClock;
let cache: MemoryCache;
let issuer: FakeIssuer;
let credentials: FakeCredentials;
let log: jest.Mocked<VendorLog>;

beforeEach(() => {
  clock = new FakeClock();
  cache = new MemoryCache(clock);
  issuer = new FakeIssuer(clock);
  credentials = new FakeCredentials();
  log = { warn: jest.fn() };
});

/** A container: its own memory, sharing the cache and issuer with the others. */
function container(refreshAheadRatio = 0.25): TokenVendor {
  const refresher = new TokenRefresher({ leaseMs: 15_000, refreshMarginSeconds: 300 }, { cache, issuer, now: clock.now, sleep: clock.sleep });
  return new TokenVendor(
    { tokenUrl: 'https://auth.example.test/oauth/token', credentialsSecretId: 'wll/creds', refreshMarginSeconds: 300, refreshAheadRatio },
    { credentials, tokens: cache, refresher, log, now: clock.now, random: () => 0.5 },
  );
}

const vend = (vendor: TokenVendor, forceRefresh = false) => vendor.vend({ audience: 'wlloyalty.net', forceRefresh });

/** Lets background refreshes run to the end. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

test('memory, then the table, then the issuer', async () => {
  const first = container();
  expect(await vend(first)).toMatchObject({ source: 'issuer', accessToken: 'token-1', audience: 'wlloyalty.net' });
  expect(await vend(first)).toMatchObject({ source: 'memory', accessToken: 'token-1' });
  expect(await vend(container())).toMatchObject({ source: 'cache', accessToken: 'token-1' });
  expect(issuer.requests).toHaveLength(1);
});

test('concurrent callers in a container share one issuer request', async () => {
  const vendor = container();
  const release = issuer.hold();

  const pending = Promise.all([vend(vendor), vend(vendor), vend(vendor)]);
  await settle();
  release();

  expect((await pending).map((t) => t.accessToken)).toEqual(['token-1', 'token-1', 'token-1']);
  expect(issuer.requests).toHaveLength(1);
});

test('a token with no more than the margin left is replaced', async () => {
  const vendor = container(0);
  await vend(vendor);
  clock.advance((86_400 - 300) * 1000);

  expect(await vend(vendor)).toMatchObject({ source: 'issuer', accessToken: 'token-2' });
});

test('forceRefresh mints a new token unless the current one is younger than 60 s', async () => {
  const vendor = container();
  await vend(vendor);

  expect(await vend(vendor, true)).toMatchObject({ accessToken: 'token-1' });
  clock.advance(60_000);
  expect(await vend(vendor, true)).toMatchObject({ source: 'issuer', accessToken: 'token-2' });
  expect(await vend(container())).toMatchObject({ source: 'cache', accessToken: 'token-2' });
});

test('rejected credentials: the secret is read again and new credentials are used at once', async () => {
  const vendor = container();
  issuer.enqueue(new CredentialsError('rejected', 'The WLL token endpoint rejected the client credentials.'));
  await credentials.get();
  credentials.current = { clientId: 'client-1', clientSecret: 'secret-2' };

  const token = await vend(vendor);

  expect(token.source).toBe('issuer');
  expect(credentials.reads).toBe(2);
  expect(await vend(vendor)).toMatchObject({ source: 'memory', accessToken: token.accessToken });
  expect(issuer.requests.map((r) => r.credentials.clientSecret)).toEqual(['secret-1', 'secret-2']);
});

test('rejected credentials, unchanged secret: no second request, advice to put new ones', async () => {
  issuer.enqueue(new CredentialsError('rejected', 'The WLL token endpoint rejected the client credentials.'));

  const error = await vend(container()).catch((e: unknown) => e);

  expect(error).toMatchObject({
    name: 'CredentialsError',
    reason: 'rejected',
    message: expect.stringMatching(/Secret wll\/creds was read again and holds the same credentials; .*put-secret-value --secret-id wll\/creds/),
  });
  expect(issuer.requests).toHaveLength(1);
});

test('new credentials rejected as well are reported as such', async () => {
  const rejected = () => new CredentialsError('rejected', 'Rejected.');
  issuer.enqueue(rejected(), rejected());
  await credentials.get();
  credentials.current = { clientId: 'client-2', clientSecret: 'secret-2' };

  await expect(vend(container())).rejects.toThrow(/held new credentials, refused as well/);
  expect(issuer.requests).toHaveLength(2);
});

test('early refresh: the current token is served while one background request renews it', async () => {
  const vendor = container();
  await vend(vendor);
  // Less than a quarter of the lifetime left.
  clock.advance(19 * 3_600_000);

  const during = await Promise.all([vend(vendor), vend(vendor), vend(container())]);
  await settle();
  const after = await vend(vendor);

  expect(during.map((t) => t.accessToken)).toEqual(['token-1', 'token-1', 'token-1']);
  expect(after).toMatchObject({ source: 'memory', accessToken: 'token-2' });
  expect(issuer.requests).toHaveLength(2);
});

test('a failed background refresh is logged, and the current token is still served', async () => {
  const vendor = container();
  await vend(vendor);
  clock.advance(19 * 3_600_000);
  issuer.enqueue(new Error('network down'));

  expect(await vend(vendor)).toMatchObject({ accessToken: 'token-1' });
  await settle();

  expect(log.warn).toHaveBeenCalledWith('Background refresh failed; the current token is still served', expect.objectContaining({ errorMessage: 'network down' }));
  expect(await vend(vendor)).toMatchObject({ accessToken: 'token-1' });
});

test('during a shared back-off with no valid token, callers get a RateLimitedError', async () => {
  issuer.enqueue(new RateLimitedError(90, 'slow down'));
  await expect(vend(container())).rejects.toThrow(RateLimitedError);

  const error = await vend(container()).catch((e: unknown) => e);

  expect(error).toMatchObject({ name: 'RateLimitedError', retryAfterSeconds: 90 });
  expect(issuer.requests).toHaveLength(1);
});

test('the scheduled refresh: unused audiences are left alone, due tokens renewed', async () => {
  const vendor = container();
  const deadlineMs = clock.now() + 10_000;

  expect(await vendor.refreshIfDue('staging.wlloyalty.net', { keepWarm: false, deadlineMs })).toBe('unused');
  expect(await vendor.refreshIfDue('wlloyalty.net', { keepWarm: true, deadlineMs })).toBe('refreshed');
  expect(await vendor.refreshIfDue('wlloyalty.net', { keepWarm: true, deadlineMs })).toBe('current');
  clock.advance(19 * 3_600_000);
  expect(await vendor.refreshIfDue('wlloyalty.net', { keepWarm: true, deadlineMs: clock.now() + 10_000 })).toBe('refreshed');
  expect(issuer.requests).toHaveLength(2);
});
