/**
 * The monthly cost of one deployment: the month's traffic by path (traffic.ts), times the AWS calls
 * of each path (calls.ts, tested against the real handler), times list prices (prices.ts), plus
 * what the stack costs standing still (keys, secrets, alarms, the dashboard).
 */
import { PATHS, type PathName, requestUnits } from './calls';
import { cost, type PriceName } from './prices';
import {
  ACCESS_LOG_BYTES,
  API_EXTRA_LOG_BYTES,
  DURATION_MS,
  HOURS_PER_MONTH,
  INIT_MS,
  LAMBDA_LOG_FACTOR,
  LOG_BYTES,
  monthlyTraffic,
  type MonthlyTraffic,
  PLATFORM_LOG_BYTES,
  type TrafficInputs,
} from './traffic';

/** One line of the bill. */
export interface LineItem {
  readonly service: string;
  readonly what: string;
  readonly quantity: number;
  readonly price: PriceName;
  readonly dollars: number;
}

export interface CostEstimate {
  readonly inputs: TrafficInputs;
  readonly traffic: MonthlyTraffic;
  readonly items: readonly LineItem[];
  readonly total: number;
}

/**
 * Alarms of a deployment without budgets: Errors, Throttles, IssuerFailures, CacheUnavailable,
 * IssuerQuotaLow, and ScheduledRefreshFailing while the schedule is on (a test checks these against
 * the synthesized stack: test/infra/cost-model-resources.test.ts).
 */
export const ALARMS_WITHOUT_SCHEDULE = 5;
/** The KMS key of the table; `alarmEmail` adds the alarm topic's. */
export const KMS_KEYS = 1;
export const DASHBOARDS = 1;
/**
 * Metrics a mint also publishes when WLL sends rate-limit and Auth0 quota headers (the stand-in
 * sends none by default): IssuerRateLimitRemaining, IssuerQuotaRemaining for two buckets
 * (per_hour, per_day) and IssuerQuotaLowestRemainingPercent. Assumed.
 */
const ISSUER_HEADER_METRICS = 4;
/** X-Ray's default sampling of the API's traces: the first request each second, then 5 %. */
const TRACED_FIRST_PER_SECOND = 1;
const TRACED_SHARE_AFTER = 0.05;
/** DynamoDB asks KMS for the table key again after 5 minutes without use, per caller (the function role). */
const KEY_CACHE_SECONDS = 300;
const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
const GB = 1024 ** 3;

export function estimate(inputs: TrafficInputs): CostEstimate {
  const traffic = monthlyTraffic(inputs);
  const { paths } = traffic;
  const over = (value: (name: PathName) => number): number => (Object.keys(PATHS) as PathName[]).reduce((sum, name) => sum + paths[name] * value(name), 0);
  const item = (service: string, what: string, price: PriceName, quantity: number): LineItem => ({ service, what, price, quantity, dollars: cost(price, quantity) });

  const gbSeconds = (inputs.memoryMb / 1024) * ((over((name) => DURATION_MS[name]) + traffic.coldStarts * INIT_MS) / 1000);
  const apiRate = traffic.apiRequests / SECONDS_PER_MONTH;
  // Requests arrive at random: the chance a second has one to trace first, then 5 % of the others.
  const firstInSecond = TRACED_FIRST_PER_SECOND * (1 - Math.exp(-apiRate));
  const traces = SECONDS_PER_MONTH * (firstInSecond + TRACED_SHARE_AFTER * (apiRate - firstInSecond));
  const keyWindows = SECONDS_PER_MONTH / KEY_CACHE_SECONDS;
  const tableCalls = over((name) => PATHS[name].table.length);
  const kmsRequests = keyWindows * (1 - Math.exp(-tableCalls / keyWindows));
  const logBytes =
    over((name) => LOG_BYTES[name]) * LAMBDA_LOG_FACTOR + traffic.apiRequests * API_EXTRA_LOG_BYTES + traffic.invocations * PLATFORM_LOG_BYTES + traffic.apiRequests * ACCESS_LOG_BYTES;
  const logGb = logBytes / GB;
  const alarms = ALARMS_WITHOUT_SCHEDULE + (inputs.scheduleMinutes > 0 ? 1 : 0);

  const items = [
    item('Lambda', 'invocations (requests and scheduled runs)', 'lambdaRequests', traffic.invocations),
    item('Lambda', `duration at ${inputs.memoryMb} MB, cold starts' initialization included`, 'lambdaArmDuration', gbSeconds),
    item('API Gateway', 'REST API requests', 'apiGatewayRestRequests', traffic.apiRequests),
    item('X-Ray', "the API stage's sampled traces", 'xrayTraces', traces),
    item('DynamoDB', 'consistent reads (token, mint count)', 'dynamodbReadUnits', over((name) => requestUnits(PATHS[name]).read)),
    item('DynamoDB', 'writes (lease, token, mint count)', 'dynamodbWriteUnits', over((name) => requestUnits(PATHS[name]).write)),
    item('KMS', 'the table key', 'kmsKey', KMS_KEYS),
    item('KMS', "DynamoDB's use of the table key", 'kmsRequests', kmsRequests),
    item('Secrets Manager', 'secrets (one per credential set)', 'secretsManagerSecret', inputs.sets),
    item('Secrets Manager', 'GetSecretValue', 'secretsManagerCalls', over((name) => PATHS[name].getSecretValue)),
    item('CloudWatch', 'logs ingested (function and API access logs)', 'logsIngestion', logGb),
    item('CloudWatch', `logs stored (${inputs.logRetentionDays}-day retention, uncompressed bound)`, 'logsStorage', (logGb * inputs.logRetentionDays) / 30),
    item('CloudWatch', 'custom metrics (prorated by the hours published)', 'customMetric', metricMonths(inputs, traffic)),
    item('CloudWatch', 'alarms', 'standardAlarm', alarms),
    item('CloudWatch', 'dashboard', 'dashboard', DASHBOARDS),
    item('EventBridge', 'scheduled events', 'eventBridgeScheduledEvents', traffic.scheduledRuns),
  ];
  return { inputs, traffic, items, total: items.reduce((sum, line) => sum + line.dollars, 0) };
}

/**
 * Custom metrics are billed per hour in which they are published: each metric name, for each
 * dimension set (`service`; with several sets, also `service` + `credentialSet` per set), costs the
 * share of the month's hours in which at least one pass published it. Requests arrive at random;
 * the schedule's runs come every period, so a period of an hour or less publishes every hour.
 */
function metricMonths(inputs: TrafficInputs, traffic: MonthlyTraffic): number {
  const periodic: readonly PathName[] = ['scheduledCurrent'];
  const hourlyCoverage = inputs.scheduleMinutes > 0 ? Math.min(1, 60 / inputs.scheduleMinutes) : 0;
  const missed = new Map<string, (share: number) => number>();
  for (const name of Object.keys(PATHS) as PathName[]) {
    const headers = PATHS[name].issuerRequests > 0 ? Array.from({ length: ISSUER_HEADER_METRICS }, (_, i) => `issuer header ${i}`) : [];
    const perHour = traffic.paths[name] / HOURS_PER_MONTH;
    // The chance that this path publishes nothing in an hour, for a set's share of the traffic.
    const miss = (share: number): number => (periodic.includes(name) ? 1 - hourlyCoverage : Math.exp(-perHour * share));
    for (const metric of [...PATHS[name].metrics, ...headers]) {
      const before = missed.get(metric) ?? (() => 1);
      missed.set(metric, (share) => before(share) * miss(share));
    }
  }
  const dimensionSets = inputs.sets > 1 ? [{ count: 1, share: 1 }, { count: inputs.sets, share: 1 / inputs.sets }] : [{ count: 1, share: 1 }];
  let months = 0;
  for (const miss of missed.values()) for (const { count, share } of dimensionSets) months += count * (1 - miss(share));
  return months;
}
