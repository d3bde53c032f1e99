import { Duration } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { DEFAULT_SET_NAME } from '../lambda/config/credential-sets';
import { ISSUER_FAILURE_KINDS, MetricName } from '../lambda/telemetry/metric-names';
import { allAlarms, BUDGET_ALARM_SHARE, type TokenVendorAlarms } from './token-alarms';
import { METRIC_PERIOD, type TokenMetrics } from './token-metrics';

export interface TokenDashboardOptions {
  readonly dashboardName: string;
  readonly handler: lambda.IFunction;
  readonly api: apigateway.RestApi;
  readonly metrics: TokenMetrics;
  readonly alarms: TokenVendorAlarms;
  readonly quotaAlarmPercent: number;
  readonly monthlyTokenBudget?: number;
  /** Names of the credential sets: with any, a row of per-set graphs. */
  readonly credentialSets: readonly string[];
  /** Whether the deployment has a `default` set. */
  readonly defaultSet: boolean;
}

const GRAPH_HEIGHT = 6;

/**
 * One vendor's CloudWatch dashboard, top to bottom: the alarms; what callers got and what it
 * cost at the issuer; how the issuer behaves and how much of its quota is left; the cache and
 * the secret; the function; the API. docs/operations.md shows its layout (docs/dashboard.svg).
 */
export function createTokenDashboard(scope: Construct, options: TokenDashboardOptions): cloudwatch.Dashboard {
  const { metrics, handler, api } = options;
  const withSets = options.credentialSets.length > 0;
  const alarms = allAlarms(options.alarms);
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: options.dashboardName,
    // About one token lifetime: enough to see the scheduled renewals and the mints they caused.
    defaultInterval: Duration.days(1),
  });
  const graph = (title: string, width: number, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
    new cloudwatch.GraphWidget({ title, width, height: GRAPH_HEIGHT, left, period: METRIC_PERIOD, ...extra });
  const lambdaStat = (name: string, statistic: string, label: string) => handler.metric(name, { statistic, period: METRIC_PERIOD, label });

  dashboard.addWidgets(
    new cloudwatch.TextWidget({
      markdown:
        `### WLL token vendor \`${metrics.serviceName}\`\n` +
        'Counts are per 5 minutes. What to do when an alarm fires: docs/operations.md, "Alarms".' +
        (withSets
          ? ' Mint counts and budgets are per credential set, as WLL counts its quota per client; "all sets" is the sum of every mint.'
          : ''),
      width: 24,
      height: 2,
    }),
  );
  dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: 3 }));
  dashboard.addWidgets(
    mintedSingleValue(options),
    graph(
      'Answers by source',
      9,
      [
        metrics.count(MetricName.servedFromMemory, 'Memory'),
        metrics.count(MetricName.servedFromCache, 'DynamoDB cache'),
        metrics.count(MetricName.servedFromIssuer, 'Issuer'),
      ],
      { stacked: true },
    ),
    graph('Issuer requests, mints and forced refreshes', 9, [
      metrics.count(MetricName.issuerRequests, 'Issuer requests'),
      metrics.count(MetricName.issuerFailures, 'Failed issuer requests'),
      metrics.count(MetricName.tokensMinted, 'Tokens minted'),
      metrics.count(MetricName.forcedRefreshes, 'Forced refreshes'),
    ]),
  );
  dashboard.addWidgets(
    graph('Issuer latency (ms)', 6, ['p50', 'p99', 'Maximum'].map((statistic) => metrics.issuerLatency(statistic))),
    graph(
      'Issuer failures by kind',
      6,
      ISSUER_FAILURE_KINDS.map((kind) => metrics.count(`IssuerFailure${kind}`, kind)),
      { stacked: true },
    ),
    // The function labels a bucket with its service only, so with sets the lines mix the sets' WLL clients.
    graph(withSets ? 'Issuer quota remaining per bucket, sets mixed' : 'Issuer quota remaining per bucket', 6, [metrics.quotaRemainingByBucket()]),
    graph('Lowest quota share left (%)', 6, [metrics.gauge(MetricName.issuerQuotaLowestRemainingPercent, 'Minimum', 'Lowest bucket (%)')], {
      right: [metrics.gauge(MetricName.issuerRateLimitRemaining, 'Minimum', 'Rate limit remaining')],
      leftYAxis: { min: 0, max: 100 },
      leftAnnotations:
        options.quotaAlarmPercent > 0 ? [{ value: options.quotaAlarmPercent, label: 'Quota alarm', color: cloudwatch.Color.RED }] : [],
    }),
  );
  dashboard.addWidgets(
    mintedGraph(options, graph),
    graph('Cache and secret health', 8, [
      metrics.count(MetricName.cacheUnavailable, 'Cache unavailable'),
      metrics.count(MetricName.cacheItemUnusable, 'Cache item unusable'),
      metrics.count(MetricName.earlyRefreshFailures, 'Early refresh failures'),
      metrics.count(MetricName.secretUnavailable, 'Secret unavailable'),
    ]),
    graph('Scheduled refresh runs', 8, [
      lambdaStat('AsyncEventsReceived', cloudwatch.Stats.SUM, 'Runs started'),
      lambdaStat('AsyncEventsDropped', cloudwatch.Stats.SUM, 'Runs failed'),
    ]),
  );
  dashboard.addWidgets(
    graph('Function invocations and errors', 8, [
      handler.metricInvocations({ period: METRIC_PERIOD, label: 'Invocations' }),
      handler.metricErrors({ period: METRIC_PERIOD, label: 'Errors' }),
      handler.metricThrottles({ period: METRIC_PERIOD, label: 'Throttles' }),
    ]),
    graph('Function duration (ms)', 8, [
      lambdaStat('Duration', 'p50', 'p50'),
      lambdaStat('Duration', 'p99', 'p99'),
      lambdaStat('Duration', cloudwatch.Stats.MAXIMUM, 'Maximum'),
    ]),
    graph('Function concurrency', 8, [lambdaStat('ConcurrentExecutions', cloudwatch.Stats.MAXIMUM, 'Concurrent executions')]),
  );
  if (options.credentialSets.length > 0) addCredentialSetRow(dashboard, metrics, graph);
  const apiStat = (statistic: string, label: string) => ({ period: METRIC_PERIOD, statistic, label });
  dashboard.addWidgets(
    graph('API requests and errors', 12, [
      api.metricCount(apiStat(cloudwatch.Stats.SUM, 'Requests')),
      api.metricClientError(apiStat(cloudwatch.Stats.SUM, '4XX')),
      api.metricServerError(apiStat(cloudwatch.Stats.SUM, '5XX')),
    ]),
    graph('API latency (ms)', 12, [
      api.metricLatency(apiStat('p50', 'p50 latency')),
      api.metricLatency(apiStat('p99', 'p99 latency')),
      api.metricIntegrationLatency(apiStat('p99', 'p99 integration latency')),
    ]),
  );
  return dashboard;
}

type Graph = (title: string, width: number, left: cloudwatch.IMetric[], extra?: Partial<cloudwatch.GraphWidgetProps>) => cloudwatch.GraphWidget;

/**
 * The day's and month's mint counts. Without sets, the service's gauges. With sets, every set's gauge
 * is also published under the service, which would show whichever set minted last: the single value
 * sums the TokensMinted counter over the day instead (every mint of every set).
 */
function mintedSingleValue({ metrics, credentialSets }: TokenDashboardOptions): cloudwatch.SingleValueWidget {
  const day = Duration.days(1);
  const withSets = credentialSets.length > 0;
  return new cloudwatch.SingleValueWidget({
    title: withSets ? 'Tokens minted, all sets (latest UTC day)' : 'Tokens minted (latest UTC day)',
    width: 6,
    height: GRAPH_HEIGHT,
    metrics: withSets
      ? [metrics.count(MetricName.tokensMinted, 'All sets, today', day)]
      : [metrics.gauge(MetricName.tokensMintedToday, 'Maximum', 'Today', day), metrics.gauge(MetricName.tokensMintedThisMonth, 'Maximum', 'This month', day)],
  });
}

/**
 * The day's and month's count against the budget: the default set's with sets (the budget alarm
 * watches the same), or without a default set every set's mints per UTC day.
 */
function mintedGraph({ metrics, credentialSets, defaultSet, monthlyTokenBudget }: TokenDashboardOptions, graph: Graph): cloudwatch.GraphWidget {
  if (credentialSets.length === 0 || defaultSet) {
    const own = credentialSets.length === 0 ? metrics : metrics.forCredentialSet(DEFAULT_SET_NAME);
    return graph(
      credentialSets.length === 0 ? 'Tokens minted (UTC day, UTC month)' : 'Tokens minted by the default set (UTC day, UTC month)',
      8,
      [own.gauge(MetricName.tokensMintedToday, 'Maximum', 'Today'), own.gauge(MetricName.tokensMintedThisMonth, 'Maximum', 'This month')],
      { leftAnnotations: budgetAnnotations(monthlyTokenBudget) },
    );
  }
  return graph('Tokens minted per UTC day, all sets', 8, [metrics.count(MetricName.tokensMinted, 'All sets', Duration.days(1))], { period: Duration.days(1) });
}

/** Per credential set (one line each, named after it): mints, issuer requests and failures, quota left, mints this month. */
function addCredentialSetRow(
  dashboard: cloudwatch.Dashboard,
  metrics: TokenMetrics,
  graph: Graph,
): void {
  const sum = cloudwatch.Stats.SUM;
  dashboard.addWidgets(
    new cloudwatch.TextWidget({
      markdown: '#### Per credential set\nOne line per set that published in the period (the default set included when it is used).',
      width: 24,
      height: 1,
    }),
  );
  dashboard.addWidgets(
    graph('Tokens minted per set', 6, [metrics.perCredentialSet(MetricName.tokensMinted, sum)]),
    graph('Issuer requests per set', 6, [metrics.perCredentialSet(MetricName.issuerRequests, sum)]),
    graph('Issuer failures per set', 6, [metrics.perCredentialSet(MetricName.issuerFailures, sum)]),
    graph('Lowest quota share left per set (%)', 6, [metrics.perCredentialSet(MetricName.issuerQuotaLowestRemainingPercent, 'Minimum')], {
      leftYAxis: { min: 0, max: 100 },
    }),
  );
  dashboard.addWidgets(graph('Tokens minted this UTC month per set', 24, [metrics.perCredentialSet(MetricName.tokensMintedThisMonth, 'Maximum')]));
}

function budgetAnnotations(budget: number | undefined): cloudwatch.HorizontalAnnotation[] {
  if (budget === undefined) return [];
  return [
    { value: budget * BUDGET_ALARM_SHARE, label: 'Budget alarm', color: cloudwatch.Color.ORANGE },
    { value: budget, label: 'Monthly budget', color: cloudwatch.Color.RED },
  ];
}
