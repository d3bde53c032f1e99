/**
 * Defects the simulation (test/sim) found that no example test had, each as an example: the
 * regression cases in test/sim/regressions/ replay the runs that found them.
 */
import { IssuerError } from '../../../lambda/core/errors';
import { secondsLeft } from '../../../lambda/core/token';
import type { IssueRequest, TokenIssuer } from '../../../lambda/issuer/wll-token-issuer';
import { tokenCacheKey } from '../../../lambda/protocol/cache-key';
import { TokenProtocol, type TokenKey } from '../../../lambda/protocol/token-protocol';
import type { LeaseStore } from '../../../lambda/table/lease-store';
import { credentialsRef, type MintCounter } from '../../../lambda/table/mint-counter';
import { SharedCache } from '../../../lambda/table/shared-cache';
import type { TokenStore } from '../../../lambda/table/token-store';
import { tokenSealFor } from '../../../lambda/table/token-seal';
import { FakeClock, FakeIssuer } from '../../support/fakes';

/** DynamoDB does not answer at all: every call fails the way an unreachable table does. */
const unreachable = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
const tokens: TokenStore = { get: unreachable, put: unreachable };
const leases: LeaseStore = { acquire: unreachable, release: unreachable };
const mints: MintCounter = { record: unreachable, read: unreachable };

/** Counts the requests in flight at once. */
class CountingIssuer implements TokenIssuer {
  inFlight = 0;
  mostAtOnce = 0;
  constructor(private readonly inner: FakeIssuer) {}
  async issue(request: IssueRequest) {
    this.inFlight += 1;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.inFlight);
    try {
      return await this.inner.issue(request);
    } finally {
      this.inFlight -= 1;
    }
  }
}

const credentials = { clientId: 'client', clientSecret: 'secret' };
const k: TokenKey = {
  key: tokenCacheKey('https://auth.example.test/oauth/token', credentials, 'wlloyalty.net'),
  audience: 'wlloyalty.net',
  credentials,
  seal: tokenSealFor(credentials),
  credentialsRef: credentialsRef('https://auth.example.test/oauth/token', credentials.clientId),
};

function protocolWith(clock: FakeClock, issuer: TokenIssuer, tokenStore: TokenStore, marginSeconds: number): TokenProtocol {
  const cache = new SharedCache(tokenStore, leases, mints, () => undefined, { now: clock.now });
  return new TokenProtocol(
    { refreshMarginSeconds: marginSeconds, leaseMs: 15_000, refreshAheadRatio: 0.25 },
    { cache, issuer, events: { minted() {}, earlyRefreshFailed() {}, unusableItem() {} }, now: clock.now },
  );
}

// With the table unavailable (so no lease), three flights of one container for one key
// wait on the first one's issuer request; when it failed, each of the others asked WLL at once.
test('flights waiting on a request that fails ask again one at a time, not all at once', async () => {
  const clock = new FakeClock();
  const fake = new FakeIssuer(clock);
  fake.enqueue(new IssuerError('WLL failed', { issuerFault: true }), {}, {});
  const issuer = new CountingIssuer(fake);
  const protocol = protocolWith(clock, issuer, tokens, 300);
  const deadline = clock.now() + 19_000;
  const release = fake.hold();

  // Three flights of one container (a Managed Instance): a plain call, a forced refresh, the schedule.
  const calls = [protocol.serve(k, deadline, clock.now()), protocol.forceRefresh(k, undefined, deadline), protocol.refreshIfDue(k, true, deadline)];
  await new Promise((resolve) => setImmediate(resolve));
  release();
  const outcomes = await Promise.allSettled(calls);

  expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
  expect(fake.requests).toHaveLength(2);
  expect(issuer.mostAtOnce).toBe(1);
});

// A forced refresh returns a token younger than a minute without minting; the one it
// remembered was servable when the call began, and was answered although the table read in
// between (cut at 1.5 s) had brought it to the margin.
test('a forced refresh never answers a remembered token that fell to the margin while the table was read', async () => {
  const clock = new FakeClock();
  const issuer = new FakeIssuer(clock);
  issuer.enqueue({ lifetimeSeconds: 60 }, { lifetimeSeconds: 60 });
  let readMs = 0;
  // The table answers nothing, after `readMs` (a read that runs into its call cap).
  const slowTable: TokenStore = {
    get: () => {
      clock.advance(readMs);
      return Promise.resolve({ unusable: false });
    },
    put: (put) => Promise.resolve(put.token),
  };
  const protocol = protocolWith(clock, issuer, slowTable, 5);
  const first = await protocol.serve(k, clock.now() + 19_000, clock.now());
  clock.advance(53_500);
  readMs = 1_500;

  const forced = await protocol.forceRefresh(k, undefined, clock.now() + 19_000);

  expect(secondsLeft(forced.token, clock.now())).toBeGreaterThan(5);
  expect(forced.token.accessToken).not.toBe(first.token.accessToken);
  expect(issuer.requests).toHaveLength(2);
});
