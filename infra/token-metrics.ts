import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { CREDENTIAL_SET_DIMENSION, METRICS_NAMESPACE, MetricName, QUOTA_BUCKET_DIMENSION } from '../lambda/telemetry/metric-names';

/** The period of the alarms and of the dashboard's graphs. */
export const METRIC_PERIOD = Duration.minutes(5);

/**
 * The metrics one vendor's function publishes (namespace `WllTokenVendor`, dimension `service`),
 * for its alarms and its dashboard. Names come from lambda/telemetry/metric-names.ts only.
 */
export class TokenMetrics {
  /**
   * @param credentialSet a set's name: its per-set metrics (dimensions `service` and `credentialSet`);
   *   without it, the service-wide ones every invocation publishes
   */
  constructor(
    readonly serviceName: string,
    readonly credentialSet?: string,
  ) {}

  /** The same metrics for one credential set. */
  forCredentialSet(name: string): TokenMetrics {
    return new TokenMetrics(this.serviceName, name);
  }

  /**
   * One line per credential set of a per-set metric (a SEARCH over the `credentialSet` dimension, so
   * every set that published shows, named after it).
   */
  perCredentialSet(metricName: string, statistic: string): cloudwatch.MathExpression {
    const search =
      `SEARCH('{${METRICS_NAMESPACE},${CREDENTIAL_SET_DIMENSION},service} ` +
      `MetricName="${metricName}" service="${this.serviceName}"', '${statistic}', ${METRIC_PERIOD.toSeconds()})`;
    return new cloudwatch.MathExpression({
      expression: search,
      usingMetrics: {},
      label: `\${PROP('Dim.${CREDENTIAL_SET_DIMENSION}')}`,
      period: METRIC_PERIOD,
    });
  }

  /** A counter: the sum over the period. */
  count(metricName: string, label?: string, period: Duration = METRIC_PERIOD): cloudwatch.Metric {
    return this.metric(metricName, cloudwatch.Stats.SUM, period, label);
  }

  /** A gauge the function reports with each event: Maximum or Minimum over the period, as the name says. */
  gauge(metricName: string, statistic: 'Maximum' | 'Minimum', label?: string, period: Duration = METRIC_PERIOD): cloudwatch.Metric {
    return this.metric(metricName, statistic, period, label);
  }

  /** Milliseconds per issuer request at a percentile (`p50`, `p99`) or `Maximum`. */
  issuerLatency(statistic: string): cloudwatch.Metric {
    return this.metric(MetricName.issuerLatency, statistic, METRIC_PERIOD, `${statistic} latency`);
  }

  /**
   * `IssuerQuotaRemaining` of every quota bucket the issuer reports (per_hour, per_day, and any
   * other), one line per bucket: a SEARCH, since the buckets are the issuer's to name.
   */
  quotaRemainingByBucket(): cloudwatch.MathExpression {
    const search =
      `SEARCH('{${METRICS_NAMESPACE},${QUOTA_BUCKET_DIMENSION},service} ` +
      `MetricName="${MetricName.issuerQuotaRemaining}" service="${this.serviceName}"', 'Minimum', ${METRIC_PERIOD.toSeconds()})`;
    return new cloudwatch.MathExpression({
      expression: search,
      usingMetrics: {},
      label: `\${PROP('Dim.${QUOTA_BUCKET_DIMENSION}')}`,
      period: METRIC_PERIOD,
    });
  }

  private metric(metricName: string, statistic: string, period: Duration, label?: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap:
        this.credentialSet === undefined ? { service: this.serviceName } : { service: this.serviceName, [CREDENTIAL_SET_DIMENSION]: this.credentialSet },
      statistic,
      period,
      label,
    });
  }
}
