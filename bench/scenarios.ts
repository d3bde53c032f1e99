import { Container } from './containers';
import type { BenchEnvironment } from './environment';
import type { ScenarioResult } from './report';

export type Mode = 'lease on' | 'lease off';

/** Lease off is the plain cache: no cross-container lease, no early refresh. */
const MODE_ENV: Record<Mode, Record<string, string>> = {
  'lease on': {},
  'lease off': { TOKEN_LEASE_SECONDS: '0', TOKEN_REFRESH_AHEAD_RATIO: '0' },
};

/** (a) A deploy or a scale-out: many cold containers, each with concurrent callers, no token yet. */
export async function coldBurst(env: BenchEnvironment, mode: Mode): Promise<ScenarioResult> {
  const [containers, calls] = [20, 25];
  const pool = await Container.startMany(containers, await env.freshEnv(MODE_ENV[mode]));
  try {
    const before = env.wll.requests;
    const records = (await Promise.all(pool.map((c) => c.run({ type: 'burst', calls })))).flat();
    return { scenario: '(a) cold-start burst', mode, shape: `${containers} x ${calls}`, issuerRequests: env.wll.requests - before, records };
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
  const pool = await Container.startMany(containers, await env.freshEnv({ ...MODE_ENV[mode], TOKEN_REFRESH_MARGIN_SECONDS: '1' }));
  try {
    await pool[0]!.run({ type: 'burst', calls: 1 });
    const before = env.wll.requests;
    const durationMs = (lifetimeSeconds + 1) * 1000;
    const records = (await Promise.all(pool.map((c) => c.run({ type: 'steady', durationMs, concurrency: loops, intervalMs })))).flat();
    return {
      scenario: '(b) expiry under steady load',
      mode,
      shape: `${containers} x ${loops} loops, every ${intervalMs} ms for ${durationMs / 1000} s`,
      issuerRequests: env.wll.requests - before,
      records,
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
  const pool = await Container.startMany(containers, await env.freshEnv(MODE_ENV[mode]));
  const [holder, ...others] = pool;
  try {
    const before = env.wll.requests;
    env.wll.enqueue({ hang: true });
    holder!.send({ type: 'burst', calls: 1 });
    await until(() => env.wll.requests > before);
    holder!.kill();
    const killedAt = Date.now();
    const records = (await Promise.all(others.map((c) => c.run({ type: 'burst', calls })))).flat();
    const firstAnswer = Math.min(...records.filter((r) => r.ok).map((r) => r.endedAt));
    const issuerRequests = env.wll.requests - before;
    return {
      scenario: '(c) lease holder killed',
      mode,
      shape: `1 killed + ${others.length} x ${calls}`,
      issuerRequests,
      records,
      note: `recovery ${((firstAnswer - killedAt) / 1000).toFixed(2)} s after the kill, ${issuerRequests - 1} extra request(s)`,
    };
  } finally {
    pool.forEach((c) => c.stop());
  }
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
