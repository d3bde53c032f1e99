import { NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { TokenVendor, type TokenVendorProps } from '../../infra/token-vendor';
import { createApp, nagFindings, propertiesOf } from './fixture';

// Several vendors in one app (issue 10): nothing the account sees once may be shared between
// them. Each names its metric dimension, API, alarms and dashboard after itself, so each one's
// alarms watch its own metrics.
type Alarm = { AlarmName: string; Namespace: string; Dimensions?: { Name: string; Value: unknown }[] };

function namesOf(template: Template) {
  const services = propertiesOf<{ Environment: { Variables: Record<string, string> } }>(template, 'AWS::Lambda::Function').map(
    (fn) => fn.Environment.Variables.POWERTOOLS_SERVICE_NAME!,
  );
  const alarms = propertiesOf<Alarm>(template, 'AWS::CloudWatch::Alarm');
  return {
    services,
    apis: propertiesOf<{ Name: string }>(template, 'AWS::ApiGateway::RestApi').map((api) => api.Name),
    alarmNames: alarms.map((alarm) => alarm.AlarmName),
    dashboards: propertiesOf<{ DashboardName: unknown }>(template, 'AWS::CloudWatch::Dashboard').map((d) => JSON.stringify(d.DashboardName)),
    // For each alarm on a metric the function publishes: the alarm's name and the service it watches.
    watched: alarms
      .filter((alarm) => alarm.Namespace === 'WllTokenVendor')
      .map((alarm) => [alarm.AlarmName, alarm.Dimensions?.find((dimension) => dimension.Name === 'service')?.Value]),
  };
}

const unique = (values: unknown[]): boolean => new Set(values.map((value) => JSON.stringify(value))).size === values.length;

describe('two vendors in one stack', () => {
  const app = createApp();
  const stack = new Stack(app, 'Host');
  new TokenVendor(stack, 'Orders');
  new TokenVendor(stack, 'Reporting', { monthlyTokenBudget: 500 });
  const names = namesOf(Template.fromStack(stack));

  it('synthesize, nag-clean, with a service name each', () => {
    expect(nagFindings(app)).toEqual([]);
    expect(names.services.sort()).toEqual(['Host-Orders', 'Host-Reporting']);
  });

  it("each watch their own metrics: every alarm's service dimension is its own vendor's", () => {
    expect(names.watched.length).toBe(3 + 4); // issuer failures, cache, quota; plus Reporting's budget alarm
    for (const [alarmName, service] of names.watched) expect(alarmName).toMatch(new RegExp(`^${String(service)}-`));
  });

  it('have distinct API, alarm and dashboard names', () => {
    expect(names.apis.sort()).toEqual(['Host-Orders', 'Host-Reporting']);
    expect(names.alarmNames).toHaveLength(13);
    expect(unique(names.alarmNames)).toBe(true);
    expect(names.dashboards).toHaveLength(2);
    expect(unique(names.dashboards)).toBe(true);
  });
});

describe('vendors in different stacks, or under different parents, with the same id', () => {
  it('still get names of their own', () => {
    const app = createApp();
    const first = new Stack(app, 'First');
    const second = new Stack(app, 'Second');
    new TokenVendor(first, 'TokenVendor');
    new TokenVendor(second, 'TokenVendor');
    const third = new Stack(app, 'Third');
    new TokenVendor(new Construct(third, 'TeamA'), 'Tokens');
    new TokenVendor(new Construct(third, 'TeamB'), 'Tokens');
    const services = [first, second, third].flatMap((stack) => namesOf(Template.fromStack(stack)).services);
    expect(services).toEqual(['First-TokenVendor', 'Second-TokenVendor', 'Third-TeamA-Tokens', 'Third-TeamB-Tokens']);
    expect(nagFindings(app)).toEqual([]);
  });

  it('in a nested stack, named after the stack path (its name is known only at deploy time)', () => {
    const app = createApp();
    const nested = new NestedStack(new Stack(app, 'Parent'), 'Child');
    const vendor = new TokenVendor(nested, 'Tokens');
    expect(vendor.serviceName).toBe('Parent-Child-Tokens');
  });
});

describe('the default names', () => {
  const serviceOf = (props: TokenVendorProps, stackName?: string): string => {
    const stack = new Stack(createApp(), 'Host', { stackName });
    return new TokenVendor(stack, 'Vendor', props).serviceName;
  };

  it('are stable across syntheses (they derive from the stack name and the construct path only)', () => {
    expect(serviceOf({})).toBe('Host-Vendor');
    expect(serviceOf({})).toBe(serviceOf({}));
    expect(serviceOf({}, 'orders-prod')).toBe('orders-prod-Vendor');
  });

  it('give way to an explicit serviceName, which the alarms then watch', () => {
    const app = createApp();
    const stack = new Stack(app, 'Host');
    new TokenVendor(stack, 'Vendor', { serviceName: 'wll-token-vendor' });
    const names = namesOf(Template.fromStack(stack));
    expect(names.services).toEqual(['wll-token-vendor']);
    for (const [, service] of names.watched) expect(service).toBe('wll-token-vendor');
  });

  it('are cut to 100 characters with a hash of the whole, so long paths stay distinct', () => {
    const stack = new Stack(createApp(), 'Host');
    const deep = (suffix: string): string => new TokenVendor(new Construct(stack, `${'Nested'.repeat(20)}${suffix}`), 'Vendor').serviceName;
    const [a, b] = [deep('A'), deep('B')];
    expect(a).toHaveLength(100);
    expect(b).toHaveLength(100);
    expect(a).not.toBe(b);
  });
});
