import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { CredentialSet } from '../config/credential-sets';
import type { CredentialsError } from '../core/errors';
import { InternalError, type VendorError } from '../core/errors';
import type { IssuerObserver } from '../issuer/wll-token-issuer';
import type { MintCount } from '../table/mint-counter';
import { lowestRemainingPercent, parseIssuerQuotaHeaders } from '../issuer/quota-headers';
import type { CacheOperation } from '../table/shared-cache';
import { CREDENTIAL_SET_DIMENSION, DEFAULT_SERVICE_NAME, MetricName, METRICS_NAMESPACE, QUOTA_BUCKET_DIMENSION } from './metric-names';
import type { ProtocolEvents, TokenSource } from '../protocol/token-protocol';

/**
 * Structured JSON logs and CloudWatch embedded-format metrics (Powertools). What is
 * logged is chosen field by field: never an event, a request body, a secret or a token.
 */
export interface Telemetry {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The `service` of every log line and metric. */
  readonly serviceName: string;
}

export function createTelemetry(env: Readonly<Record<string, string | undefined>>): Telemetry {
  const serviceName = env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE_NAME;
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
    serviceName,
  };
}

/**
 * The telemetry of a credential set's run beside other sets' (the scheduled refresh): metrics of
 * its own, so that what one set records never goes out under another's name, and a logger that
 * names the set. Run the set's work with `inSetRun`.
 */
export function telemetryForSet(telemetry: Telemetry, set: CredentialSet): Telemetry {
  return {
    logger: telemetry.logger.createChild({ persistentKeys: { credentialSet: set.name } }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: telemetry.serviceName }),
    serviceName: telemetry.serviceName,
  };
}

/**
 * The set run the current code works for. The observers below are wired once per container and
 * shared by sets; they write to the run they are called from (AsyncLocalStorage follows the
 * awaits), else to the container's telemetry, as every invocation for one set does.
 */
const setRuns = new AsyncLocalStorage<Telemetry>();

/** Runs `work` so that what the observers record goes to `telemetry` (see telemetryForSet). */
export function inSetRun<T>(telemetry: Telemetry, work: () => Promise<T>): Promise<T> {
  return setRuns.run(telemetry, work);
}

function active(telemetry: Telemetry): Telemetry {
  return setRuns.getStore() ?? telemetry;
}

const SERVED_METRIC: Record<TokenSource, string> = {
  memory: MetricName.servedFromMemory,
  cache: MetricName.servedFromCache,
  issuer: MetricName.servedFromIssuer,
};

export function countServed(metrics: Metrics, source: TokenSource): void {
  metrics.addMetric(SERVED_METRIC[source], MetricUnit.Count, 1);
}

/** Below this share of a quota bucket left, each answer logs a warning. */
export const QUOTA_WARNING_PERCENT = 20;

/**
 * Counts every issuer request, its latency, and failures in all and by kind; reads the
 * issuer's rate-limit and quota headers on every answer (issue 11), tolerant of anything.
 */
export function issuerMetrics(telemetry: Telemetry): IssuerObserver {
  return ({ outcome, latencyMs, headers }) => {
    const { logger, metrics } = active(telemetry);
    metrics.addMetric(MetricName.issuerRequests, MetricUnit.Count, 1);
    metrics.addMetric(MetricName.issuerLatency, MetricUnit.Milliseconds, latencyMs);
    if (outcome !== 'Success') {
      metrics.addMetric(MetricName.issuerFailures, MetricUnit.Count, 1);
      metrics.addMetric(`IssuerFailure${outcome}`, MetricUnit.Count, 1);
    }
    if (headers) publishQuota({ logger, metrics }, headers);
  };
}

function publishQuota({ logger, metrics }: Pick<Telemetry, 'logger' | 'metrics'>, headers: Headers): void {
  const report = parseIssuerQuotaHeaders(headers, Date.now());
  const remaining = report.rateLimit?.remaining;
  if (remaining !== undefined) metrics.addMetric(MetricName.issuerRateLimitRemaining, MetricUnit.Count, remaining);
  for (const bucket of report.quotaBuckets) {
    // A metric of its own, with the bucket as an extra dimension (per_hour, per_day, ...).
    const single = metrics.singleMetric();
    single.addDimension(QUOTA_BUCKET_DIMENSION, bucket.scope === 'client' ? bucket.bucket : `${bucket.scope}_${bucket.bucket}`);
    single.addMetric(MetricName.issuerQuotaRemaining, MetricUnit.Count, bucket.remaining);
  }
  const lowest = lowestRemainingPercent(report);
  if (lowest === undefined) return;
  metrics.addMetric(MetricName.issuerQuotaLowestRemainingPercent, MetricUnit.Percent, lowest);
  if (lowest < QUOTA_WARNING_PERCENT) {
    const buckets = report.quotaBuckets.map(({ scope, bucket, quota, remaining: left, resetSeconds }) => ({ scope, bucket, quota, remaining: left, resetSeconds }));
    logger.warn('WLL token quota running low: tokens are cached for their whole life, so look for other clients minting with these credentials', {
      lowestRemainingPercent: lowest,
      buckets,
    });
  }
}

/** The tokens minted for these credentials so far (gauges: use Maximum). */
export function publishMintCount(metrics: Metrics, count: MintCount): void {
  metrics.addMetric(MetricName.tokensMintedToday, MetricUnit.Count, count.today);
  metrics.addMetric(MetricName.tokensMintedThisMonth, MetricUnit.Count, count.thisMonth);
}

/** What the refresh protocol reports: mints, refreshes ahead that did not land, unusable items. */
export function protocolEvents(telemetry: Telemetry): ProtocolEvents {
  return {
    minted({ audience, forced, count }) {
      const { logger, metrics } = active(telemetry);
      metrics.addMetric(MetricName.tokensMinted, MetricUnit.Count, 1);
      if (forced) metrics.addMetric(MetricName.forcedRefreshes, MetricUnit.Count, 1);
      if (count) publishMintCount(metrics, count);
      logger.info('Token minted', { audience, forced, mintedToday: count?.today, mintedThisMonth: count?.thisMonth });
    },
    earlyRefreshFailed(audience, error) {
      const { logger, metrics } = active(telemetry);
      metrics.addMetric(MetricName.earlyRefreshFailures, MetricUnit.Count, 1);
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      logger.warn('Refresh ahead of expiry did not land; the current token is still served', { audience, errorName: name, errorMessage: message });
    },
    unusableItem(audience) {
      const { logger, metrics } = active(telemetry);
      metrics.addMetric(MetricName.cacheItemUnusable, MetricUnit.Count, 1);
      logger.warn('A token item in the table could not be used (does not open, damaged or absurd expiry); it is replaced', { audience });
    },
  };
}

/** The DynamoDB cache failed: warn (with the AWS error's name only) and count it. */
export function cacheUnavailable(telemetry: Telemetry): (operation: CacheOperation, error: unknown) => void {
  return (operation, error) => {
    const { logger, metrics } = active(telemetry);
    const errorName = error instanceof Error ? error.name : 'UnknownError';
    logger.warn('DynamoDB token cache unavailable; vending without it for a few seconds', { operation, errorName });
    metrics.addMetric(MetricName.cacheUnavailable, MetricUnit.Count, 1);
  };
}

/** Secrets Manager could not be read: warn, count, and say whether the last credentials stay in use. */
export function secretUnavailable(telemetry: Telemetry): (error: CredentialsError, servedStale: boolean) => void {
  return (error, servedStale) => {
    const { logger, metrics } = active(telemetry);
    metrics.addMetric(MetricName.secretUnavailable, MetricUnit.Count, 1);
    logger.warn(servedStale ? 'Secrets Manager unavailable; the credentials read last stay in use (up to an hour)' : 'Secrets Manager unavailable', {
      errorMessage: error.message,
    });
  };
}

/**
 * With CREDENTIAL_SETS, what this invocation records for `set` is published twice over
 * in one document: with the dimensions {service}, as always (the existing alarms keep
 * working), and with {service, credentialSet} (SETS.md point 4). Without it the metrics
 * are exactly as before. One invocation is for one set; the scheduled refresh gives each
 * set's run metrics of its own (telemetryForSet). With invocations at once (Managed Instances),
 * Powertools keeps each one's dimensions and metrics apart in Lambda's InvokeStore
 * (test/runtime/metrics-per-set.test.ts).
 */
export function measureForSet(metrics: Metrics, set: CredentialSet, perSet: boolean): void {
  if (!perSet) return;
  metrics.addDimensions({});
  metrics.addDimensions({ [CREDENTIAL_SET_DIMENSION]: set.name });
}

/** Publishes what this invocation recorded; an invocation with nothing to say stays silent. */
export function flushMetrics(metrics: Metrics): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  // Without an invocation store the dimensions are shared by the next invocation: drop them.
  else metrics.clearDimensions();
}

/**
 * One line per failed request. Callers' mistakes are info, trouble with the secret or
 * the issuer is a warning, configuration and unexpected errors are errors; only the
 * unexpected ones carry the original error (ours never hold secrets or tokens).
 */
export function logFailure(logger: Logger, publicError: VendorError, original: unknown): void {
  const fields = { errorName: publicError.name, errorCode: publicError.code, errorMessage: publicError.message };
  if (publicError instanceof InternalError) logger.error('Unexpected error', { ...fields, error: original as Error });
  else if (publicError.status === 500) logger.error('Request failed', fields);
  else if (publicError.status >= 500) logger.warn('Request failed', fields);
  else logger.info('Request refused', fields);
}
