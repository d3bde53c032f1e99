import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { MetricName } from '../lambda/telemetry/metric-names';
import { METRIC_PERIOD, type TokenMetrics } from './token-metrics';

/** The vendor's alarms. Counters are OK when no data arrives; gauges keep their last state. */
export interface TokenVendorAlarms {
  /** The function failed (an unhandled error, a timeout, or a direct invocation answered with an error). */
  readonly errors: cloudwatch.Alarm;
  /** Lambda refused invocations: the account's or the function's concurrency is exhausted. */
  readonly throttles: cloudwatch.Alarm;
  /** Requests to the WLL token endpoint fail: WLL is down, slow, rate-limiting, or rejects the credentials. */
  readonly issuerFailures: cloudwatch.Alarm;
  /** The DynamoDB cache fails: the function still vends, but containers may each ask WLL for a token. */
  readonly cacheUnavailable: cloudwatch.Alarm;
  /** Two scheduled refresh runs in a row failed; undefined when the schedule is off. */
  readonly scheduledRefreshFailing?: cloudwatch.Alarm;
  /** An issuer quota bucket is nearly used up; undefined when `issuerQuotaAlarmPercent` is 0. */
  readonly issuerQuotaLow?: cloudwatch.Alarm;
  /** This month's mints of the default set's credentials passed 80 % of `monthlyTokenBudget`; undefined without a budget. */
  readonly monthlyTokenBudget?: cloudwatch.Alarm;
  /** Per credential set with a `monthlyTokenBudget`, by set name: its mints this month passed 80 % of it. */
  readonly credentialSetMonthlyTokenBudgets?: Readonly<Record<string, cloudwatch.Alarm>>;
}

/** Every alarm of `alarms`, the per-set ones included. */
export function allAlarms(alarms: TokenVendorAlarms): cloudwatch.Alarm[] {
  const { credentialSetMonthlyTokenBudgets, ...single } = alarms;
  return [...Object.values(single), ...Object.values(credentialSetMonthlyTokenBudgets ?? {})].filter(
    (alarm): alarm is cloudwatch.Alarm => alarm !== undefined,
  );
}

export interface TokenAlarmsOptions {
  readonly handler: lambda.IFunction;
  readonly metrics: TokenMetrics;
  /**
   * The default set's own metrics, which `monthlyTokenBudget` watches. With credential sets every set's
   * mint counts are published under the service too, so the service's figure would be whichever set
   * minted last; without sets the service's metrics are the default set's.
   */
  readonly defaultSetMetrics?: TokenMetrics;
  /** Prefix of the alarm names: unique per construct instance. */
  readonly namePrefix: string;
  readonly topic?: sns.ITopic;
  /** The scheduled refresh's interval; undefined when the schedule is off. */
  readonly scheduleInterval?: Duration;
  /** Remaining share of a quota bucket, in percent, at or below which the quota alarm fires; 0 for none. */
  readonly quotaAlarmPercent: number;
  readonly monthlyTokenBudget?: number;
  /** Credential sets with a monthly budget of their own. */
  readonly credentialSetBudgets?: ReadonlyArray<{ readonly name: string; readonly monthlyTokenBudget: number }>;
}

/** Share of the monthly budget at which the budget alarm fires. */
export const BUDGET_ALARM_SHARE = 0.8;
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

interface AlarmSpec {
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly description: string;
  readonly comparison?: cloudwatch.ComparisonOperator;
  /** Gauges (the latest value the function reported) keep their state while nothing is reported. */
  readonly gauge?: boolean;
  readonly evaluationPeriods?: number;
}

export function createTokenAlarms(scope: Construct, options: TokenAlarmsOptions): TokenVendorAlarms {
  const { metrics, handler } = options;
  const alarm = (id: string, spec: AlarmSpec): cloudwatch.Alarm => {
    const created = new cloudwatch.Alarm(scope, `${id}Alarm`, {
      alarmName: `${options.namePrefix}-${id}`,
      metric: spec.metric,
      alarmDescription: spec.description,
      threshold: spec.threshold,
      evaluationPeriods: spec.evaluationPeriods ?? 1,
      comparisonOperator: spec.comparison ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: spec.gauge === true ? cloudwatch.TreatMissingData.IGNORE : cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // ALARM and the way back to OK, so whoever was told of a problem is also told when it is over.
    if (options.topic) {
      created.addAlarmAction(new SnsAction(options.topic));
      created.addOkAction(new SnsAction(options.topic));
    }
    return created;
  };
  const sum = { period: METRIC_PERIOD, statistic: cloudwatch.Stats.SUM };
  const budgetAlarm = (id: string, metrics: TokenMetrics, budget: number, whose: string): cloudwatch.Alarm =>
    alarm(id, {
      metric: metrics.gauge(MetricName.tokensMintedThisMonth, 'Maximum'),
      threshold: budget * BUDGET_ALARM_SHARE,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      gauge: true,
      description:
        `More than ${BUDGET_ALARM_SHARE * 100} % of the monthly token budget${whose} (${budget}) was minted this UTC month. ` +
        'Check ForcedRefreshes and ServedFromIssuer on the dashboard for the cause before the issuer quota runs out.',
    });
  const setBudgets = options.credentialSetBudgets ?? [];
  return {
    errors: alarm('Errors', {
      metric: handler.metricErrors(sum),
      threshold: ERROR_THRESHOLD,
      description: 'The token function failed at least 3 times in 5 minutes: see its log group for the errors.',
    }),
    throttles: alarm('Throttles', {
      metric: handler.metricThrottles(sum),
      threshold: 1,
      description:
        'Lambda throttled the token function: callers got no token. Check the account concurrency and the function reserved concurrency.',
    }),
    issuerFailures: alarm('IssuerFailures', {
      metric: metrics.count(MetricName.issuerFailures),
      threshold: ISSUER_FAILURE_THRESHOLD,
      description:
        'At least 3 requests to the WLL token endpoint failed in 5 minutes: WLL is unreachable, slow, rate-limiting, or rejects the credentials. ' +
        'See the IssuerFailure<Kind> metrics and the function logs.',
    }),
    cacheUnavailable: alarm('CacheUnavailable', {
      metric: metrics.count(MetricName.cacheUnavailable),
      threshold: CACHE_FAILURE_THRESHOLD,
      description:
        'The DynamoDB token cache failed at least 3 times in 5 minutes. The function still vends tokens, but each container may ' +
        'ask WLL for its own: check the table, its KMS key and the function role (see the function logs for the error names).',
    }),
    ...(options.scheduleInterval && { scheduledRefreshFailing: scheduledRefreshAlarm(alarm, handler, options.scheduleInterval) }),
    ...(options.quotaAlarmPercent > 0 && {
      issuerQuotaLow: alarm('IssuerQuotaLow', {
        metric: metrics.gauge(MetricName.issuerQuotaLowestRemainingPercent, 'Minimum'),
        threshold: options.quotaAlarmPercent,
        comparison: cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
        gauge: true,
        description:
          `A quota bucket of the WLL token endpoint has ${options.quotaAlarmPercent} % or less left (IssuerQuotaRemaining per bucket on ` +
          'the dashboard). Once it is used up, WLL refuses new tokens until the bucket resets: find who mints (ForcedRefreshes, ' +
          'ServedFromIssuer), and whether something else uses the same client credentials.',
      }),
    }),
    ...(options.monthlyTokenBudget !== undefined && {
      monthlyTokenBudget: budgetAlarm(
        'MonthlyTokenBudget',
        options.defaultSetMetrics ?? metrics,
        options.monthlyTokenBudget,
        options.defaultSetMetrics?.credentialSet === undefined ? '' : ' of the default credential set',
      ),
    }),
    ...(setBudgets.length > 0 && {
      credentialSetMonthlyTokenBudgets: Object.fromEntries(
        setBudgets.map((set) => [
          set.name,
          // Named and identified after the set: adding or removing another set leaves this alarm alone.
          budgetAlarm(`MonthlyTokenBudget-${set.name}`, metrics.forCredentialSet(set.name), set.monthlyTokenBudget, ` of credential set ${set.name}`),
        ]),
      ),
    }),
  };
}

/**
 * Lambda counts an asynchronous event it gave up on in AsyncEventsDropped; with no retries
 * (token-schedule.ts), that is one failed scheduled run. One period per run, and two failed
 * runs in a row to fire: a single run lost to a brief outage is made up by the next one.
 */
function scheduledRefreshAlarm(alarm: (id: string, spec: AlarmSpec) => cloudwatch.Alarm, handler: lambda.IFunction, interval: Duration): cloudwatch.Alarm {
  return alarm('ScheduledRefreshFailing', {
    metric: handler.metric('AsyncEventsDropped', { period: interval, statistic: cloudwatch.Stats.SUM }),
    threshold: 1,
    evaluationPeriods: 2,
    description:
      'Two scheduled refresh runs in a row failed, so tokens are not renewed ahead of expiry and callers may wait for WLL when one expires. ' +
      'See the function logs of the runs (the scheduled event) for each set\'s outcome and the error: often WLL failing, or credentials refused.',
  });
}
