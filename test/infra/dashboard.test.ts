import { readFileSync } from 'node:fs';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TokenVendor } from '../../infra/token-vendor';
import { ISSUER_FAILURE_KINDS, METRICS_NAMESPACE, MetricName } from '../../lambda/telemetry/metric-names';
import { dashboardPicture, PICTURE } from '../../scripts/dashboard-picture';
import { dashboardBodyOf, type DashboardWidget } from '../../scripts/dashboard/dashboard-svg';
import { createApp, nagFindings } from './fixture';

// The dashboard body as synthesized: which widgets, where, and which metrics with which statistic.
// References to the stack's resources read `${Ref:LogicalId}` / `${GetAtt:LogicalId.Arn}` here.
const app = createApp();
const stack = new Stack(app, 'Host');
const vendor = new TokenVendor(stack, 'Vendor', { monthlyTokenBudget: 1_000 });
const template = Template.fromStack(stack);
const body = dashboardBodyOf(template.toJSON() as Parameters<typeof dashboardBodyOf>[0]);
const functionRef = `\${Ref:${stack.getLogicalId(vendor.function.node.defaultChild as never)}}`;

type MetricRow = { namespace: string; name: string; dimensions: Record<string, string>; stat?: string; label?: string; expression?: string };
function rows(widget: DashboardWidget): MetricRow[] {
  return (widget.properties.metrics ?? []).map((row) => {
    const options = row.at(-1) as { stat?: string; label?: string; expression?: string };
    if (options.expression !== undefined) return { namespace: '', name: '', dimensions: {}, ...options };
    const [namespace, name, ...rest] = row.slice(0, -1) as string[];
    const dimensions: Record<string, string> = {};
    for (let i = 0; i < rest.length; i += 2) dimensions[rest[i]!] = rest[i + 1]!;
    return { namespace: namespace!, name: name!, dimensions, stat: options.stat, label: options.label };
  });
}
const widget = (title: string): DashboardWidget => {
  const found = body.widgets.find((candidate) => candidate.properties.title === title);
  if (found === undefined) throw new Error(`no widget titled ${title}`);
  return found;
};
const allRows = body.widgets.flatMap(rows);

describe('the dashboard', () => {
  it('lays out these widgets, row by row, on the 24 columns', () => {
    const layout = body.widgets.map((w) => [w.properties.title ?? 'text', w.x, w.y, w.width, w.height]);
    expect(layout).toEqual([
      ['text', 0, 0, 24, 2],
      ['Alarms', 0, 2, 24, 3],
      ['Tokens minted (latest UTC day)', 0, 5, 6, 6],
      ['Answers by source', 6, 5, 9, 6],
      ['Issuer requests, mints and forced refreshes', 15, 5, 9, 6],
      ['Issuer latency (ms)', 0, 11, 6, 6],
      ['Issuer failures by kind', 6, 11, 6, 6],
      ['Issuer quota remaining per bucket', 12, 11, 6, 6],
      ['Lowest quota share left (%)', 18, 11, 6, 6],
      ['Tokens minted (UTC day, UTC month)', 0, 17, 8, 6],
      ['Cache and secret health', 8, 17, 8, 6],
      ['Scheduled refresh runs', 16, 17, 8, 6],
      ['Function invocations and errors', 0, 23, 8, 6],
      ['Function duration (ms)', 8, 23, 8, 6],
      ['Function concurrency', 16, 23, 8, 6],
      ['API requests and errors', 0, 29, 12, 6],
      ['API latency (ms)', 12, 29, 12, 6],
    ]);
  });

  it('shows every alarm of the vendor', () => {
    const alarmArns = Object.keys(template.findResources('AWS::CloudWatch::Alarm')).map((id) => `\${GetAtt:${id}.Arn}`);
    expect(alarmArns).toHaveLength(7);
    expect(widget('Alarms').properties.alarms?.sort()).toEqual(alarmArns.sort());
  });

  it('shows every metric the function publishes, each under this vendor\'s service dimension only', () => {
    const published = allRows.filter((row) => row.namespace === METRICS_NAMESPACE);
    for (const row of published) expect(row.dimensions).toEqual({ service: 'Host-Vendor' });
    const shown = new Set(published.map((row) => row.name));
    const quotaSearch = allRows.find((row) => row.expression !== undefined)?.expression;
    expect(quotaSearch).toBe(
      `SEARCH('{${METRICS_NAMESPACE},bucket,service} MetricName="${MetricName.issuerQuotaRemaining}" service="Host-Vendor"', 'Minimum', 300)`,
    );
    shown.add(MetricName.issuerQuotaRemaining);
    const expected = [...Object.values(MetricName), ...ISSUER_FAILURE_KINDS.map((kind) => `IssuerFailure${kind}`)];
    expect([...shown].sort()).toEqual(expected.sort());
  });

  it('reads the gauges with the statistic each is published for, and counters as sums', () => {
    const statsOf = (name: string): string[] => [...new Set(allRows.filter((row) => row.name === name).map((row) => row.stat!))];
    expect(statsOf(MetricName.tokensMintedToday)).toEqual(['Maximum']);
    expect(statsOf(MetricName.tokensMintedThisMonth)).toEqual(['Maximum']);
    expect(statsOf(MetricName.issuerQuotaLowestRemainingPercent)).toEqual(['Minimum']);
    expect(statsOf(MetricName.issuerRateLimitRemaining)).toEqual(['Minimum']);
    expect(statsOf(MetricName.issuerLatency)).toEqual(['p50', 'p99', 'Maximum']);
    for (const counter of [MetricName.servedFromMemory, MetricName.issuerRequests, MetricName.forcedRefreshes, MetricName.cacheUnavailable]) {
      expect(statsOf(counter)).toEqual(['Sum']);
    }
  });

  it('marks the alarm thresholds: the quota share and the monthly budget', () => {
    expect(widget('Lowest quota share left (%)').properties.annotations?.horizontal).toEqual([
      { value: 20, label: 'Quota alarm', color: '#d62728', yAxis: 'left' },
    ]);
    expect(widget('Tokens minted (UTC day, UTC month)').properties.annotations?.horizontal?.map((line) => line.value)).toEqual([800, 1000]);
  });

  it("shows the function's errors, duration, concurrency and scheduled runs, and the API's requests, errors and latency", () => {
    const lambda = (title: string): string[] =>
      rows(widget(title)).map((row) => {
        expect(row).toMatchObject({ namespace: 'AWS/Lambda', dimensions: { FunctionName: functionRef } });
        return `${row.name} ${row.stat}`;
      });
    expect(lambda('Function invocations and errors')).toEqual(['Invocations Sum', 'Errors Sum', 'Throttles Sum']);
    expect(lambda('Function duration (ms)')).toEqual(['Duration p50', 'Duration p99', 'Duration Maximum']);
    expect(lambda('Function concurrency')).toEqual(['ConcurrentExecutions Maximum']);
    expect(lambda('Scheduled refresh runs')).toEqual(['AsyncEventsReceived Sum', 'AsyncEventsDropped Sum']);
    const api = (title: string): string[] =>
      rows(widget(title)).map((row) => {
        expect(row).toMatchObject({ namespace: 'AWS/ApiGateway', dimensions: { ApiName: 'Host-Vendor' } });
        return `${row.name} ${row.stat}`;
      });
    expect(api('API requests and errors')).toEqual(['Count Sum', '4XXError Sum', '5XXError Sum']);
    expect(api('API latency (ms)')).toEqual(['Latency p50', 'Latency p99', 'IntegrationLatency p99']);
    expect(nagFindings(app)).toEqual([]);
  });

  it('is pictured, up to date, in docs/dashboard.svg (regenerate with npx tsx scripts/dashboard-picture.ts)', () => {
    expect(readFileSync(PICTURE, 'utf8')).toBe(dashboardPicture());
  });
});
