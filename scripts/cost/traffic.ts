/**
 * The traffic shape of the cost model: how a month of token requests spreads over the function's
 * paths (scripts/cost/calls.ts), and what each path takes besides AWS calls (time, log bytes).
 * Every figure here is an assumption stated in docs/costs.md, except LOG_BYTES, which a test
 * measures on the real handler.
 */
import type { PathName } from './calls';

/** What a user tells `npm run cost`. */
export interface TrafficInputs {
  /** Token requests that reach the function in a month (direct invocations and API requests). */
  readonly requestsPerMonth: number;
  /** Share of them that come through the REST API (the rest invoke the function directly). */
  readonly apiShare: number;
  /** Credential sets, the `default` set included; requests spread evenly over them, one audience each. */
  readonly sets: number;
  /** The function's memory (the construct sets 256 MB). */
  readonly memoryMb: number;
  /** The scheduled refresh's period, minutes; 0: off. */
  readonly scheduleMinutes: number;
  /** How long the log groups keep what they got, days (the construct's default: a month). */
  readonly logRetentionDays: number;
}

export const DEFAULT_TRAFFIC: Omit<TrafficInputs, 'requestsPerMonth'> = { apiShare: 0.3, sets: 1, memoryMb: 256, scheduleMinutes: 30, logRetentionDays: 30 };

/** AWS prices a month as 730 hours. */
export const HOURS_PER_MONTH = 730;
const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
/** WLL tokens live 24 hours; the schedule renews one once it is in its last quarter. */
const RENEWED_AFTER_HOURS = 24 * 0.75;
/** Peak rate over the month's average, and how long an invocation keeps an environment busy (s). */
const PEAK_TO_AVERAGE = 5;
const BUSY_SECONDS = 0.05;
/** Lambda recycles environments after a few hours, and reclaims idle ones after minutes (neither is documented: assumed). */
const ENVIRONMENT_LIFETIME_HOURS = 2;
const IDLE_RECLAIM_SECONDS = 10 * 60;
/** A container keeps the secret this long (CONTRACT section 2). */
const SECRET_MAX_AGE_SECONDS = 5 * 60;

/**
 * Billed duration per path, ms, at 256 MB: assumed (this machine has no Lambda), from the
 * benchmark's in-process times plus the AWS calls each path makes in one region; WLL is assumed to
 * answer in about 300 ms. Cold starts also bill their initialization (INIT_MS), as Lambda has done
 * for managed runtimes since August 2025.
 */
export const DURATION_MS: Record<PathName, number> = {
  memory: 3,
  secretReread: 25,
  cache: 40,
  mint: 400,
  earlyRefreshAdopt: 15,
  scheduledCurrent: 40,
  scheduledMint: 400,
};
export const INIT_MS = 450;

/**
 * Bytes the function itself logs per pass (its JSON lines and the embedded-metric line), as the
 * real handler writes them in the tests: test/integration/cost-model-calls.test.ts measures each
 * within 15 %. A request over the API adds its caller to the audit line (API_EXTRA_LOG_BYTES).
 */
export const LOG_BYTES: Record<PathName, number> = {
  memory: 890,
  secretReread: 890,
  cache: 890,
  mint: 1_670,
  earlyRefreshAdopt: 880,
  scheduledCurrent: 800,
  scheduledMint: 1_450,
};
export const API_EXTRA_LOG_BYTES = 110;
/**
 * On Lambda the same lines are longer than in the tests: the deployed function's name and ARN
 * (about 36 characters more, on each line and in the audit line's invoked ARN), the longer
 * service name, and the X-Ray trace id Powertools adds when API Gateway traces the request.
 */
export const LAMBDA_LOG_FACTOR = 1.2;
/** Lambda's own START, END and REPORT lines per invocation (text format). */
export const PLATFORM_LOG_BYTES = 300;
/** One line of the API's JSON access log (16 fields, a role session ARN, an SDK user agent). */
export const ACCESS_LOG_BYTES = 600;

/** A month of traffic, by path, and what drives the fixed parts of the bill. */
export interface MonthlyTraffic {
  readonly paths: Record<PathName, number>;
  readonly invocations: number;
  readonly apiRequests: number;
  readonly coldStarts: number;
  readonly environments: number;
  readonly scheduledRuns: number;
  /** Tokens WLL mints in the month, all sets. */
  readonly mints: number;
  /** Hours in the month with at least one request. */
  readonly activeHours: number;
}

/** Spreads a month's requests over the paths, given the shape above. */
export function monthlyTraffic(inputs: TrafficInputs): MonthlyTraffic {
  const { requestsPerMonth: requests, sets } = inputs;
  const rate = requests / SECONDS_PER_MONTH;
  const scheduledRuns = inputs.scheduleMinutes > 0 ? (HOURS_PER_MONTH * 60) / inputs.scheduleMinutes : 0;
  // One renewal per token lifetime and set, a little after it enters its last quarter (half a schedule period on average).
  const mintsPerSet = HOURS_PER_MONTH / (RENEWED_AFTER_HOURS + inputs.scheduleMinutes / 60 / 2);
  const environments = Math.max(1, Math.ceil(rate * PEAK_TO_AVERAGE * BUSY_SECONDS));
  const perEnvironment = (rate + scheduledRuns / SECONDS_PER_MONTH) / environments;
  const recycled = (environments * HOURS_PER_MONTH) / ENVIRONMENT_LIFETIME_HOURS;
  const afterIdle = (requests + scheduledRuns) * Math.exp(-perEnvironment * IDLE_RECLAIM_SECONDS);
  const coldStarts = Math.min(requests + scheduledRuns, recycled + afterIdle);
  // A new environment reads each set's secret and token once, for the sets it serves before it goes.
  const requestsPerEnvironment = requests / Math.max(coldStarts, 1);
  const setsPerEnvironment = sets * (1 - Math.exp(-requestsPerEnvironment / sets));
  const cache = Math.min(requests, coldStarts * setsPerEnvironment);
  const setRatePerEnvironment = rate / environments / sets;
  const rereadWindows = (SECONDS_PER_MONTH / SECRET_MAX_AGE_SECONDS) * environments * sets;
  const secretReread = Math.min(requests - cache, rereadWindows * (1 - Math.exp(-setRatePerEnvironment * SECRET_MAX_AGE_SECONDS)));
  // Without the schedule, a caller renews the token inline (the mint path, under the lease).
  const callerMints = scheduledRuns > 0 ? 0 : Math.min(requests, mintsPerSet * sets);
  const earlyRefreshAdopt = Math.min(requests - cache - secretReread - callerMints, environments * sets * mintsPerSet);
  const scheduledMint = scheduledRuns > 0 ? mintsPerSet * sets : 0;
  return {
    paths: {
      memory: requests - cache - secretReread - callerMints - earlyRefreshAdopt,
      secretReread,
      cache,
      mint: callerMints,
      earlyRefreshAdopt,
      scheduledCurrent: scheduledRuns * sets - scheduledMint,
      scheduledMint,
    },
    invocations: requests + scheduledRuns,
    apiRequests: requests * inputs.apiShare,
    coldStarts,
    environments,
    scheduledRuns,
    mints: mintsPerSet * sets,
    activeHours: HOURS_PER_MONTH * (1 - Math.exp(-rate * 3600)),
  };
}
