/**
 * What one simulated deployment looks like (drawn by fast-check from the seed, and shrunk with
 * the commands): its containers and their clocks, Lambda's mode, the token lifetime and margin,
 * the credential sets and the WLL clients behind them, the network's latencies, and whether
 * faults may happen at all.
 */
import fc from 'fast-check';
import { WLL_TOKEN_ENDPOINTS } from '../../../lambda/config/load-config';
import { CLOCK_SKEW_TOLERANCE_MS } from '../../../lambda/core/clock-skew';
import type { ClientSpec } from '../world/clients';
import { stepWeightsArbitrary, type StepWeights } from './step-weights';

export interface SetSpec {
  readonly name: string;
  readonly secretId: string;
  /** The WLL client whose credentials the secret holds. */
  readonly client: string;
  readonly audiences: readonly string[];
}

export interface SimConfig {
  readonly seed: number;
  readonly slots: number;
  /** 1: Lambda's usual one invocation at a time, frozen in between; more: a Managed Instance. */
  readonly concurrency: number;
  /** Per slot, how far its containers' clocks run ahead of true time (negative: behind). */
  readonly skewsMs: readonly number[];
  readonly lifetimeSeconds: number;
  readonly marginSeconds: number;
  readonly refreshAheadRatio: number;
  readonly credentialsMaxAgeSeconds: number;
  readonly clients: readonly ClientSpec[];
  readonly sets: readonly SetSpec[];
  readonly latencyMs: { readonly dynamodb: readonly [number, number]; readonly secretsManager: readonly [number, number]; readonly issuer: readonly [number, number] };
  /** False: a run with no fault of any kind (the strictest request count applies). */
  readonly faults: boolean;
  readonly timeoutMs: number;
  /** How often each kind of step comes up in this run (0: never). */
  readonly weights: StepWeights;
  /** Background traffic: a call about this often (ms), from any slot; 0: none. */
  readonly trafficEveryMs: number;
}

export const AUDIENCES = ['wlloyalty.net', 'staging.wlloyalty.net'] as const;
const EU = WLL_TOKEN_ENDPOINTS.eu;
const US = WLL_TOKEN_ENDPOINTS.us;

/** Deployments worth simulating: one set; sets sharing a client (and even a secret); several endpoints. */
export const LAYOUTS: readonly { readonly clients: readonly ClientSpec[]; readonly sets: readonly SetSpec[] }[] = [
  { clients: [{ name: 'A', tokenUrl: EU }], sets: [{ name: 'default', secretId: 'wll/default', client: 'A', audiences: [...AUDIENCES] }] },
  {
    clients: [
      { name: 'A', tokenUrl: EU },
      { name: 'B', tokenUrl: US },
    ],
    sets: [
      { name: 'default', secretId: 'wll/default', client: 'A', audiences: ['wlloyalty.net'] },
      { name: 'eu-prod', secretId: 'wll/eu-prod', client: 'A', audiences: [...AUDIENCES] },
      { name: 'us-prod', secretId: 'wll/us-prod', client: 'B', audiences: ['wlloyalty.net'] },
    ],
  },
  {
    clients: [
      { name: 'A', tokenUrl: EU },
      { name: 'C', tokenUrl: EU },
    ],
    sets: [
      { name: 'eu-prod', secretId: 'wll/eu-prod', client: 'A', audiences: ['wlloyalty.net'] },
      { name: 'eu-copy', secretId: 'wll/eu-prod', client: 'A', audiences: [...AUDIENCES] },
      { name: 'eu-staging', secretId: 'wll/eu-staging', client: 'C', audiences: ['staging.wlloyalty.net'] },
    ],
  },
];

/** Lifetime and margin pairs: short ones so a run crosses many refresh windows, and WLL's 24 h with the default 300 s. */
const LIFETIMES: readonly (readonly [number, number])[] = [
  [40, 2],
  [60, 5],
  [90, 10],
  [120, 30],
  [600, 60],
  [86_400, 300],
];

/** Clocks anywhere within the tolerance, often at its ends (where a missing allowance for skew shows). */
const skew = fc.oneof(fc.integer({ min: -CLOCK_SKEW_TOLERANCE_MS / 2, max: CLOCK_SKEW_TOLERANCE_MS / 2 }), fc.constantFrom(-CLOCK_SKEW_TOLERANCE_MS / 2, CLOCK_SKEW_TOLERANCE_MS / 2));

export const simConfigArbitrary: fc.Arbitrary<SimConfig> = fc
  .record({
    seed: fc.integer({ min: 0, max: 0x7fffffff }),
    slots: fc.integer({ min: 1, max: 4 }),
    concurrency: fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, { weight: 2, arbitrary: fc.integer({ min: 2, max: 4 }) }),
    // Clocks anywhere within the tolerance, or as far apart as it allows (alternately ahead and behind).
    skewsMs: fc.oneof(
      { weight: 2, arbitrary: fc.array(skew, { minLength: 4, maxLength: 4 }) },
      { weight: 1, arbitrary: fc.constant([-CLOCK_SKEW_TOLERANCE_MS / 2, CLOCK_SKEW_TOLERANCE_MS / 2, -CLOCK_SKEW_TOLERANCE_MS / 2, CLOCK_SKEW_TOLERANCE_MS / 2]) },
    ),
    // Short lives cross many refresh windows in a run; WLL's 24 h still comes up.
    lifetime: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...LIFETIMES.slice(0, 3)) }, { weight: 2, arbitrary: fc.constantFrom(...LIFETIMES.slice(3)) }),
    refreshAheadRatio: fc.constantFrom(0.25, 0.25, 0.5, 0),
    credentialsMaxAgeSeconds: fc.constantFrom(300, 60),
    layout: fc.integer({ min: 0, max: LAYOUTS.length - 1 }),
    dynamodbMs: fc.integer({ min: 1, max: 40 }),
    issuerMs: fc.integer({ min: 10, max: 600 }),
    faults: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    weights: stepWeightsArbitrary,
    traffic: fc.constantFrom(0, 40, 120),
  })
  .map(({ lifetime, layout, dynamodbMs, issuerMs, traffic, ...rest }) => ({
    ...rest,
    // Calls per token lifetime; only for short lifetimes, where a run crosses many of them.
    trafficEveryMs: traffic > 0 && lifetime[0] <= 600 ? Math.max(250, Math.round((lifetime[0] * 1000) / traffic)) : 0,
    lifetimeSeconds: lifetime[0],
    marginSeconds: lifetime[1],
    clients: LAYOUTS[layout]!.clients,
    sets: LAYOUTS[layout]!.sets,
    latencyMs: { dynamodb: [1, dynamodbMs] as const, secretsManager: [5, 60] as const, issuer: [Math.min(10, issuerMs), issuerMs] as const },
    timeoutMs: 20_000,
  }));

/** The function's environment for this deployment (parsed by the real loadConfig in every container). */
export function functionEnvironment(config: SimConfig): Record<string, string> {
  const env: Record<string, string> = {
    TOKEN_TABLE_NAME: 'wll-token-vendor-sim',
    TOKEN_REFRESH_MARGIN_SECONDS: String(config.marginSeconds),
    TOKEN_REFRESH_AHEAD_RATIO: String(config.refreshAheadRatio),
    CREDENTIALS_MAX_AGE_SECONDS: String(config.credentialsMaxAgeSeconds),
  };
  const named: Record<string, unknown> = {};
  for (const set of config.sets) {
    const client = config.clients.find((c) => c.name === set.client)!;
    if (set.name === 'default') {
      Object.assign(env, { CREDENTIALS_SECRET_ID: set.secretId, WLL_TOKEN_URL: client.tokenUrl, WLL_AUDIENCE: set.audiences[0], WLL_ALLOWED_AUDIENCES: set.audiences.join(',') });
    } else {
      named[set.name] = { secretId: set.secretId, tokenUrl: client.tokenUrl, audience: set.audiences[0], allowedAudiences: set.audiences };
    }
  }
  if (Object.keys(named).length > 0) env.CREDENTIAL_SETS = JSON.stringify(named);
  return env;
}
