import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { TokenVendor } from '../../infra/token-vendor';
import { METRICS_NAMESPACE, MetricName } from '../../lambda/telemetry/metric-names';
import { cfn, createApp, nagFindings } from './fixture';

// Every alarm of a vendor with a monthly budget, as synthesized: what it watches, how, and when it
// fires. Counters (Sum) are OK when nothing arrives; gauges keep their state until the function
// reports a new value, so a budget alarm stays on until the month's count resets.
const app = createApp();
const stack = new Stack(app, 'Host');
const vendor = new TokenVendor(stack, 'Vendor', { monthlyTokenBudget: 1_000 });
const assertTemplate = Template.fromStack(stack);
const service = [{ Name: 'service', Value: 'Host-Vendor' }];
const lambdaFunction = [{ Name: 'FunctionName', Value: cfn(stack, vendor.function.functionName) }];

type Expected = [id: string, namespace: string, metricName: string, dimensions: unknown, statistic: string, period: number, comparison: string, threshold: number, missing: string];
const expected: Expected[] = [
  ['Errors', 'AWS/Lambda', 'Errors', lambdaFunction, 'Sum', 300, 'GreaterThanOrEqualToThreshold', 3, 'notBreaching'],
  ['Throttles', 'AWS/Lambda', 'Throttles', lambdaFunction, 'Sum', 300, 'GreaterThanOrEqualToThreshold', 1, 'notBreaching'],
  ['IssuerFailures', METRICS_NAMESPACE, MetricName.issuerFailures, service, 'Sum', 300, 'GreaterThanOrEqualToThreshold', 3, 'notBreaching'],
  ['CacheUnavailable', METRICS_NAMESPACE, MetricName.cacheUnavailable, service, 'Sum', 300, 'GreaterThanOrEqualToThreshold', 3, 'notBreaching'],
  ['IssuerQuotaLow', METRICS_NAMESPACE, MetricName.issuerQuotaLowestRemainingPercent, service, 'Minimum', 300, 'LessThanOrEqualToThreshold', 20, 'ignore'],
  ['MonthlyTokenBudget', METRICS_NAMESPACE, MetricName.tokensMintedThisMonth, service, 'Maximum', 300, 'GreaterThanThreshold', 800, 'ignore'],
];

describe('alarms', () => {
  it.each(expected)('%s watches %s %s', (id, namespace, metricName, dimensions, statistic, period, comparison, threshold, missing) => {
    assertTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `Host-Vendor-${id}`,
      AlarmDescription: Match.stringLikeRegexp('.{60,}'),
      Namespace: namespace,
      MetricName: metricName,
      Dimensions: dimensions,
      Statistic: statistic,
      Period: period,
      EvaluationPeriods: 1,
      ComparisonOperator: comparison,
      Threshold: threshold,
      TreatMissingData: missing,
      AlarmActions: Match.absent(),
    });
  });

  it('ScheduledRefreshFailing fires when the runs of two schedule periods in a row were dropped (failed, no retries)', () => {
    assertTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Host-Vendor-ScheduledRefreshFailing',
      Namespace: 'AWS/Lambda',
      MetricName: 'AsyncEventsDropped',
      Dimensions: lambdaFunction,
      Statistic: 'Sum',
      Period: 30 * 60,
      EvaluationPeriods: 2,
      DatapointsToAlarm: Match.absent(), // all of the evaluation periods
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('are exactly these seven, each exposed on the construct', () => {
    assertTemplate.resourceCountIs('AWS::CloudWatch::Alarm', 7);
    expect(Object.keys(vendor.alarms).sort()).toEqual(
      ['cacheUnavailable', 'errors', 'issuerFailures', 'issuerQuotaLow', 'monthlyTokenBudget', 'scheduledRefreshFailing', 'throttles'].sort(),
    );
    expect(nagFindings(app)).toEqual([]);
  });
});
