import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE, MetricName } from '../lambda/telemetry-names';

/** The vendor's alarms; each fires on a 5-minute window and is OK when no data arrives. */
export interface TokenVendorAlarms {
  /** The function failed (an unhandled error, a timeout, or a direct invocation answered with an error). */
  readonly errors: cloudwatch.Alarm;
  /** Lambda refused invocations: the account's or the function's concurrency is exhausted. */
  readonly throttles: cloudwatch.Alarm;
  /** Requests to the WLL token endpoint fail: WLL is down, slow, rate-limiting, or rejects the credentials. */
  readonly issuerFailures: cloudwatch.Alarm;
  /** The DynamoDB cache fails: the function still vends, but containers may each ask WLL for a token. */
  readonly cacheUnavailable: cloudwatch.Alarm;
}

export interface TokenAlarmsOptions {
  readonly handler: lambda.IFunction;
  readonly serviceName: string;
  readonly topic?: sns.ITopic;
}

const PERIOD = Duration.minutes(5);
// One token request makes up to 3 issuer attempts, so 3 failures is a request that failed
// outright, or transient failures that keep coming; a single failed attempt that the retry
// repaired does not page anyone.
const ISSUER_FAILURE_THRESHOLD = 3;
// A direct invocation with a bad audience also counts as an error; a few of those in five
// minutes are a caller's problem, a steady stream is ours.
const ERROR_THRESHOLD = 3;
// Each container reports a cache failure at most once per 5-second pause, so 3 is a table that
// stays unreachable, or several containers failing at once, rather than one throttled request.
const CACHE_FAILURE_THRESHOLD = 3;

export function createTokenAlarms(scope: Construct, options: TokenAlarmsOptions): TokenVendorAlarms {
  const alarm = (id: string, metric: cloudwatch.IMetric, threshold: number, description: string): cloudwatch.Alarm => {
    const created = new cloudwatch.Alarm(scope, id, {
      metric,
      alarmDescription: description,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (options.topic) created.addAlarmAction(new SnsAction(options.topic));
    return created;
  };
  const published = (metricName: string) =>
    new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service: options.serviceName },
      statistic: cloudwatch.Stats.SUM,
      period: PERIOD,
    });
  return {
    errors: alarm(
      'ErrorsAlarm',
      options.handler.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      ERROR_THRESHOLD,
      'The token function failed at least 3 times in 5 minutes: see its log group for the errors.',
    ),
    throttles: alarm(
      'ThrottlesAlarm',
      options.handler.metricThrottles({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      1,
      'Lambda throttled the token function: callers got no token. Check the account concurrency and the function reserved concurrency.',
    ),
    issuerFailures: alarm(
      'IssuerFailuresAlarm',
      published(MetricName.issuerFailures),
      ISSUER_FAILURE_THRESHOLD,
      'At least 3 requests to the WLL token endpoint failed in 5 minutes: WLL is unreachable, slow, rate-limiting, or rejects the credentials. ' +
        'See the IssuerFailure<Kind> metrics and the function logs.',
    ),
    cacheUnavailable: alarm(
      'CacheUnavailableAlarm',
      published(MetricName.cacheUnavailable),
      CACHE_FAILURE_THRESHOLD,
      'The DynamoDB token cache failed at least 3 times in 5 minutes. The function still vends tokens, but each container may ' +
        'ask WLL for its own: check the table, its KMS key and the function role (see the function logs for the error names).',
    ),
  };
}
