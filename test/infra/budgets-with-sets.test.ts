import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TokenVendor, type TokenVendorProps } from '../../infra/token-vendor';
import { CREDENTIAL_SET_DIMENSION, MetricName } from '../../lambda/telemetry/metric-names';
import { dashboardBodyOf, type DashboardWidget } from '../../scripts/dashboard/dashboard-svg';
import { createApp, nagFindings } from './fixture';

// Issue 24: with credential sets, every set's mint counts are also published under the service
// dimension alone, so a budget or a widget reading that one sees whichever set minted last: with a
// budget of 1000, us-prod's 900 mints fired the construct-wide alarm while the default set had
// minted nothing. The construct-wide budget is the default set's (WLL counts its quota per client,
// and so does the function); "all sets" figures sum the TokensMinted counter, every mint of every set.
function vendorWith(props: TokenVendorProps) {
  const stack = new Stack(createApp(), 'Host');
  new TokenVendor(stack, 'Vendor', props);
  const assertTemplate = Template.fromStack(stack);
  const body = dashboardBodyOf(assertTemplate.toJSON() as Parameters<typeof dashboardBodyOf>[0]);
  const widget = (title: string): DashboardWidget => {
    const found = body.widgets.find((candidate) => candidate.properties.title === title);
    if (found === undefined) throw new Error(`no widget titled ${title}: have ${body.widgets.map((w) => w.properties.title).join(', ')}`);
    return found;
  };
  /** Each metric row of a widget as "name stat dimension=value ...". */
  const rowsOf = (title: string): string[] =>
    (widget(title).properties.metrics ?? []).map((row) => {
      const options = row.at(-1) as { stat?: string; period?: number };
      const [, name, ...dimensions] = row.slice(0, -1) as string[];
      const pairs = [];
      for (let i = 0; i < dimensions.length; i += 2) pairs.push(`${dimensions[i]}=${dimensions[i + 1]}`);
      return [name, options.stat, ...pairs.sort(), ...(options.period === undefined ? [] : [`per ${options.period} s`])].join(' ');
    });
  return { stack, assertTemplate, widget, rowsOf, text: body.widgets[0]!.properties.markdown ?? '' };
}

const withSets = vendorWith({ monthlyTokenBudget: 1_000, credentialSets: { 'us-prod': { monthlyTokenBudget: 5_000 }, 'eu-prod': {} } });

describe('with credential sets', () => {
  it("the construct-wide budget watches the default set's own count, not the service's", () => {
    withSets.assertTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Host-Vendor-MonthlyTokenBudget',
      MetricName: MetricName.tokensMintedThisMonth,
      Dimensions: [
        { Name: CREDENTIAL_SET_DIMENSION, Value: 'default' },
        { Name: 'service', Value: 'Host-Vendor' },
      ],
      Threshold: 800,
      AlarmDescription: 'More than 80 % of the monthly token budget of the default credential set (1000) was minted this UTC month. Check ForcedRefreshes and ServedFromIssuer on the dashboard for the cause before the issuer quota runs out.',
    });
  });

  it('the dashboard shows every mint of every set today, and the default set against its budget, and says so', () => {
    expect(withSets.rowsOf('Tokens minted, all sets (latest UTC day)')).toEqual([`${MetricName.tokensMinted} Sum service=Host-Vendor per 86400 s`]);
    expect(withSets.rowsOf('Tokens minted by the default set (UTC day, UTC month)')).toEqual([
      `${MetricName.tokensMintedToday} Maximum credentialSet=default service=Host-Vendor`,
      `${MetricName.tokensMintedThisMonth} Maximum credentialSet=default service=Host-Vendor`,
    ]);
    expect(withSets.widget('Tokens minted by the default set (UTC day, UTC month)').properties.annotations?.horizontal?.map((line) => line.value)).toEqual([800, 1000]);
    expect(withSets.text).toContain('Mint counts and budgets are per credential set');
    // The function labels quota buckets by service only (a follow-up for the function): the title says they mix.
    withSets.widget('Issuer quota remaining per bucket, sets mixed');
    expect(nagFindings(withSets.stack)).toEqual([]);
  });

  it('without a default set, the graph shows every set’s mints per UTC day', () => {
    const setsOnly = vendorWith({ defaultCredentialSet: false, credentialSets: { 'us-prod': {}, 'eu-prod': {} } });
    expect(setsOnly.rowsOf('Tokens minted per UTC day, all sets')).toEqual([`${MetricName.tokensMinted} Sum service=Host-Vendor per 86400 s`]);
  });
});

describe('without credential sets', () => {
  it('the budget and the widgets read the service, as before', () => {
    const plain = vendorWith({ monthlyTokenBudget: 1_000 });
    plain.assertTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'Host-Vendor-MonthlyTokenBudget', Dimensions: [{ Name: 'service', Value: 'Host-Vendor' }] });
    expect(plain.rowsOf('Tokens minted (latest UTC day)')).toEqual([
      `${MetricName.tokensMintedToday} Maximum service=Host-Vendor per 86400 s`,
      `${MetricName.tokensMintedThisMonth} Maximum service=Host-Vendor per 86400 s`,
    ]);
    expect(plain.text).not.toContain('per credential set');
  });
});
