import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { CacheOperation } from './cache-guard';
import { InternalError, type VendorError } from './errors';
import type { IssuerObserver } from './issuer';
import { DEFAULT_SERVICE_NAME, MetricName, METRICS_NAMESPACE } from './telemetry-names';
import type { TokenSource } from './vendor';

/**
 * Structured JSON logs and CloudWatch embedded-format metrics (Powertools). What is
 * logged is chosen field by field: never an event, a request body, a secret or a token.
 */
export interface Telemetry {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export function createTelemetry(env: Readonly<Record<string, string | undefined>>): Telemetry {
  const serviceName = env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE_NAME;
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
  };
}

const SERVED_METRIC: Record<TokenSource, string> = {
  memory: MetricName.servedFromMemory,
  cache: MetricName.servedFromCache,
  issuer: MetricName.servedFromIssuer,
};

export function countServed(metrics: Metrics, source: TokenSource): void {
  metrics.addMetric(SERVED_METRIC[source], MetricUnit.Count, 1);
}

/** Counts every issuer request, its latency, and failures in all and by kind. */
export function issuerMetrics(metrics: Metrics): IssuerObserver {
  return ({ outcome, latencyMs }) => {
    metrics.addMetric(MetricName.issuerRequests, MetricUnit.Count, 1);
    metrics.addMetric(MetricName.issuerLatency, MetricUnit.Milliseconds, latencyMs);
    if (outcome !== 'Success') {
      metrics.addMetric(MetricName.issuerFailures, MetricUnit.Count, 1);
      metrics.addMetric(`IssuerFailure${outcome}`, MetricUnit.Count, 1);
    }
  };
}

/** The DynamoDB cache failed: warn (with the AWS error's name only) and count it. */
export function cacheUnavailable({ logger, metrics }: Telemetry): (operation: CacheOperation, error: unknown) => void {
  return (operation, error) => {
    const errorName = error instanceof Error ? error.name : 'UnknownError';
    logger.warn('DynamoDB token cache unavailable; vending without it for a few seconds', { operation, errorName });
    metrics.addMetric(MetricName.cacheUnavailable, MetricUnit.Count, 1);
  };
}

/** Publishes what this invocation recorded; an invocation with nothing to say stays silent. */
export function flushMetrics(metrics: Metrics): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
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
