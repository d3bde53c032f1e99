import { FaultProxy } from '../support/runtime/fault-proxy';
import type { InvocationResult, LambdaContainer } from '../support/runtime/lambda-container';
import { failures, startStand, type RuntimeStand } from '../support/runtime/stand';

/**
 * CONTRACT section 7, issue 15 hole 2: an issuer that accepts requests and never answers is
 * the issuer's fault as soon as one attempt ran its whole attempt timeout (5 s), whatever
 * happened to the last attempt (cut short by the 12 s budget). The caller that found out
 * records the shared back-off; the callers that follow, in this container or another, and
 * the containers that waited on its lease, fail fast on it instead of each spending the
 * issuer budget again.
 *
 * WLL sits behind the fault proxy, which accepts every request and never answers.
 */
let stand: RuntimeStand;
let wllProxy: FaultProxy;

afterEach(async () => {
  await wllProxy.close();
  await stand.close();
});

/**
 * The issuer's budget (12 s), plus a cold start, a lease poll and the runtime's overhead on a
 * busy machine. A waiter that spends a budget of its own after the holder's takes about 19 s.
 */
const ONE_BUDGET_MS = 16_000;
/** Failing on a remembered back-off: a lease read, no issuer request. */
const FAST_MS = 2_000;

async function issuerBehindProxy(): Promise<RuntimeStand> {
  stand = await startStand();
  wllProxy = await FaultProxy.start(stand.wll.url);
  return stand;
}

/**
 * Warm containers (secret read, connections open, one token for another audience), so what
 * is measured is the hung issuer and not a cold start on a busy machine; then WLL hangs.
 */
async function warmThenHang(containers: readonly LambdaContainer[]): Promise<void> {
  const warmed = await Promise.all(containers.map((c) => c.invoke({ audience: 'staging.wlloyalty.net' })));
  expect(failures(warmed)).toEqual([]);
  wllProxy.every(undefined, { kind: 'hang' });
}

/** Where the function sends its token requests: the proxy, same path as the stand-in. */
function proxiedTokenUrl(): string {
  const url = new URL(stand.wll.url);
  return `${wllProxy.endpoint}${url.pathname}`;
}

/** What each caller saw: how long it took, how many issuer requests it caused, and how it failed. */
interface Seen {
  readonly ms: number;
  readonly errorType?: string;
  readonly message?: string;
}

function seen(result: InvocationResult): Seen {
  return result.ok ? { ms: result.durationMs } : { ms: result.durationMs, errorType: result.errorType, message: result.errorMessage.slice(0, 160) };
}

test('one container: the first caller spends the budget, the next two fail fast on the back-off without reaching the issuer', async () => {
  await issuerBehindProxy();
  const container = await stand.container({ environment: { WLL_TOKEN_URL: proxiedTokenUrl() } });
  await warmThenHang([container]);

  const callers: Seen[] = [];
  const attempts: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const before = wllProxy.count();
    callers.push(seen(await container.invoke({})));
    attempts.push(wllProxy.count() - before);
  }

  // Each of these shows `true` when met, the numbers when not.
  expect({
    attemptsPerCaller: attempts.join(',') === '3,0,0' || attempts,
    firstWithinOneBudget: callers[0]!.ms < ONE_BUDGET_MS || callers[0]!.ms,
    followersFast: callers.slice(1).every((c) => c.ms < FAST_MS) || callers.map((c) => c.ms),
  }).toEqual({ attemptsPerCaller: true, firstWithinOneBudget: true, followersFast: true });
  for (const caller of callers) expect(caller.errorType).toBe('IssuerError');
  expect(callers[0]!.message).toMatch(/failed after 3 attempts/);
  expect(callers[2]!.message).toMatch(/failed recently.*nobody asks it again for \d+ s/);
});

test('three containers called at once, then again: one container asks the issuer, the waiters fail when its back-off lands, the next wave at once', async () => {
  await issuerBehindProxy();
  const containers = await stand.containers(3, { environment: { WLL_TOKEN_URL: proxiedTokenUrl() } });
  await warmThenHang(containers);
  const before = wllProxy.count();

  const firstWave = (await Promise.all(containers.map((c) => c.invoke({})))).map(seen);
  const attemptsInFirstWave = wllProxy.count() - before;
  const secondWave = (await Promise.all(containers.map((c) => c.invoke({})))).map(seen);

  expect({
    attemptsInFirstWave: attemptsInFirstWave === 3 || attemptsInFirstWave,
    attemptsInSecondWave: wllProxy.count() - before === attemptsInFirstWave || wllProxy.count() - before - attemptsInFirstWave,
    firstWaveWithinOneBudget: firstWave.every((c) => c.ms < ONE_BUDGET_MS) || firstWave.map((c) => c.ms),
    secondWaveFast: secondWave.every((c) => c.ms < FAST_MS) || secondWave.map((c) => c.ms),
  }).toEqual({ attemptsInFirstWave: true, attemptsInSecondWave: true, firstWaveWithinOneBudget: true, secondWaveFast: true });
  for (const caller of [...firstWave, ...secondWave]) expect(caller.errorType).toBe('IssuerError');
});
