import { Container, FrozenPool } from './containers';
import type { BenchEnvironment } from './environment';
import type { InvocationRecord } from './protocol';
import type { ScenarioResult } from './report';

/**
 * Lease off is the plain cache: no cross-container lease, no early refresh. Freeze: each
 * container takes one invocation at a time and is frozen (SIGSTOP) while idle, as on
 * standard Lambda; no freeze: invocations run many at once per process and nothing is
 * ever frozen, as on Lambda Managed Instances.
 */
export interface Mode {
  readonly lease: boolean;
  readonly freeze: boolean;
}

export function modeLabel({ lease, freeze }: Mode): string {
  return `lease ${lease ? 'on' : 'off'}, ${freeze ? 'freeze' : 'no freeze'}`;
}

function modeEnv(mode: Mode): Record<string, string> {
  return mode.lease ? {} : { TOKEN_LEASE_SECONDS: '0', TOKEN_REFRESH_AHEAD_RATIO: '0' };
}

/** (a) A deploy or a scale-out: many cold containers, each with concurrent callers, no token yet. */
export async function coldBurst(env: BenchEnvironment, mode: Mode): Promise<ScenarioResult> {
  const [containers, calls] = [20, 25];
  const watch = env.watch();
  const pool = await Container.startMany(containers, await env.freshEnv(modeEnv(mode)));
  try {
    const before = env.wll.requests;
    const startMs = Date.now();
    const records = mode.freeze
      ? await new FrozenPool(pool).burst(containers * calls)
      : (await Promise.all(pool.map((c) => c.run({ type: 'burst', calls })))).flat();
    return {
      scenario: '(a) cold-start burst',
      mode: modeLabel(mode),
      shape: mode.freeze ? `${containers} x ${calls}, one at a time` : `${containers} x ${calls}`,
      issuerRequests: env.wll.requests - before,
      records,
      observed: watch.collect(),
      window: { startMs, endMs: Date.now() },
    };
  } finally {
    pool.forEach((c) => c.stop());
  }
}

/**
 * (b) Steady load across a token's expiry. Tokens live 20 s here (margin 1 s) so that one
 * expiry falls inside the run; the first token is minted before the measured window.
 */
export async function expiryUnderLoad(env: BenchEnvironment, mode: Mode): Promise<ScenarioResult> {
  const [containers, loops, intervalMs, lifetimeSeconds] = [10, 2, 50, 20];
  const previousLifetime = env.wll.lifetimeSeconds;
  env.wll.lifetimeSeconds = lifetimeSeconds;
  const watch = env.watch();
  const pool = await Container.startMany(containers, await env.freshEnv({ ...modeEnv(mode), TOKEN_REFRESH_MARGIN_SECONDS: '1' }));
  try {
    const frozen = mode.freeze ? new FrozenPool(pool) : undefined;
    const setupRecords = frozen ? [await frozen.invoke()] : await pool[0]!.run({ type: 'burst', calls: 1 });
    const before = env.wll.requests;
    const durationMs = (lifetimeSeconds + 1) * 1000;
    const startMs = Date.now();
    const records = frozen
      ? await frozen.steady(durationMs, containers * loops, intervalMs)
      : (await Promise.all(pool.map((c) => c.run({ type: 'steady', durationMs, concurrency: loops, intervalMs })))).flat();
    return {
      scenario: '(b) expiry under steady load',
      mode: modeLabel(mode),
      shape: `${frozen ? `${containers * loops} callers on ${containers}` : `${containers} x ${loops} loops`}, every ${intervalMs} ms for ${durationMs / 1000} s`,
      issuerRequests: env.wll.requests - before,
      records,
      setupRecords,
      observed: watch.collect(),
      window: { startMs, endMs: Date.now() },
      lifetimeSeconds,
      note: `token lifetime ${lifetimeSeconds} s, one expiry in the window`,
    };
  } finally {
    env.wll.lifetimeSeconds = previousLifetime;
    pool.forEach((c) => c.stop());
  }
}

/**
 * (c) The lease holder dies during its issuer request (its request never gets an answer):
 * the others must recover once its lease lapses, with one more request.
 */
export async function killedHolder(env: BenchEnvironment, mode: Mode): Promise<ScenarioResult> {
  const [containers, calls] = [10, 5];
  const watch = env.watch();
  const pool = await Container.startMany(containers, await env.freshEnv(modeEnv(mode)));
  const [holder, ...others] = pool;
  try {
    const before = env.wll.requests;
    env.wll.enqueue({ hang: true });
    const startMs = Date.now();
    holder!.send({ type: 'burst', calls: 1 });
    await until(() => env.wll.requests > before);
    holder!.kill();
    const killedAt = Date.now();
    const records = mode.freeze
      ? await new FrozenPool(others).burst(others.length * calls)
      : (await Promise.all(others.map((c) => c.run({ type: 'burst', calls })))).flat();
    const firstAnswer = Math.min(...records.filter((r) => r.ok).map((r) => r.endedAt));
    const issuerRequests = env.wll.requests - before;
    return {
      scenario: '(c) lease holder killed',
      mode: modeLabel(mode),
      shape: `1 killed + ${others.length} x ${calls}${mode.freeze ? ', one at a time' : ''}`,
      issuerRequests,
      records,
      observed: watch.collect(),
      window: { startMs, endMs: Date.now() },
      note: `recovery ${((firstAnswer - killedAt) / 1000).toFixed(2)} s after the kill, ${issuerRequests - 1} extra request(s)`,
    };
  } finally {
    pool.forEach((c) => c.stop());
  }
}

/** Sparse traffic: each container is invoked every 4 s, the containers staggered evenly. */
const SPARSE = { containers: 3, intervalMs: 4_000, lifetimeSeconds: 40, lifetimes: 2.5, marginSeconds: 2 };

/**
 * (d) Sparse traffic across token expiries (issue 8, defect 1): 3 containers, each
 * invoked every 4 s, 40 s tokens, refresh margin 2 s, refresh ahead in the last 90 % of
 * a token's life, no scheduled refresh (the benchmark has no EventBridge), for two and a
 * half token lifetimes. Frozen between invocations by default, as on standard Lambda.
 */
export function sparseTraffic(env: BenchEnvironment, mode: Mode): Promise<ScenarioResult> {
  return sparse(env, mode, '(d) sparse traffic across expiry', '0.9');
}

/** (e) The same traffic with the default refresh-ahead share (the last 25 % of a token's life). */
export function sparseTrafficDefaultRatio(env: BenchEnvironment, mode: Mode): Promise<ScenarioResult> {
  return sparse(env, mode, '(e) sparse traffic, default ratio', '0.25');
}

async function sparse(env: BenchEnvironment, mode: Mode, scenario: string, ratio: string): Promise<ScenarioResult> {
  const { containers, intervalMs, lifetimeSeconds, lifetimes, marginSeconds } = SPARSE;
  const previousLifetime = env.wll.lifetimeSeconds;
  env.wll.lifetimeSeconds = lifetimeSeconds;
  const watch = env.watch();
  const settings = { TOKEN_REFRESH_AHEAD_RATIO: ratio, TOKEN_REFRESH_MARGIN_SECONDS: String(marginSeconds), ...modeEnv(mode) };
  const pool = await Container.startMany(containers, await env.freshEnv(settings));
  try {
    if (mode.freeze) pool.forEach((c) => c.freeze());
    const before = env.wll.requests;
    const durationMs = lifetimes * lifetimeSeconds * 1000;
    const startMs = Date.now();
    // Each container gets its own events: standard Lambda would route them to any idle
    // container, but with one event every 1.3 s and 3 containers each one stays in use.
    const schedule = async (container: Container, offsetMs: number) => {
      const records: InvocationRecord[] = [];
      for (let at = startMs + offsetMs; at < startMs + durationMs; at += intervalMs) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
        records.push(await container.invoke(mode.freeze));
      }
      return records;
    };
    const records = (await Promise.all(pool.map((c, i) => schedule(c, (i * intervalMs) / containers)))).flat();
    return {
      scenario,
      mode: modeLabel(mode),
      shape: `${containers} x 1 every ${intervalMs / 1000} s, staggered, for ${durationMs / 1000} s`,
      issuerRequests: env.wll.requests - before,
      records,
      observed: watch.collect(),
      window: { startMs, endMs: Date.now() },
      lifetimeSeconds,
      note: `token lifetime ${lifetimeSeconds} s, margin ${marginSeconds} s, ${mode.lease ? `ratio ${ratio}` : 'no refresh ahead'}, no schedule`,
    };
  } finally {
    env.wll.lifetimeSeconds = previousLifetime;
    pool.forEach((c) => c.stop());
  }
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
