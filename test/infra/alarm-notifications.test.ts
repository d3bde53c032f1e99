import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ContextError, readTokenVendorContext } from '../../infra/context';
import { TokenVendorSettingsError } from '../../infra/settings';
import { TokenVendorStack } from '../../infra/token-vendor-stack';
import { createApp, nagFindings, propertiesOf, runNagV2 } from './fixture';

// Issue 26: alarms that reach someone. The standalone stack as `cdk deploy -c alarmEmail=...` (or
// `-c alarmTopicArn=...`) synthesizes it, with credential sets that have budgets of their own, so
// the per-set alarms are there too.
const SETS = JSON.stringify({ 'eu-prod': { monthlyTokenBudget: 500 }, staging: { monthlyTokenBudget: 100 } });

function synthesize(context: Record<string, unknown>): { stack: TokenVendorStack; template: Template } {
  const app = createApp({ nag: false, context: { monthlyTokenBudget: '1000', credentialSets: SETS, ...context } });
  const stack = new TokenVendorStack(app, 'WllTokenVendor', readTokenVendorContext(app.node));
  return { stack, template: Template.fromStack(stack) };
}

interface AlarmProperties {
  AlarmName: string;
  AlarmActions?: unknown[];
  OKActions?: unknown[];
}

describe('-c alarmEmail=ops@example.com', () => {
  const { template } = synthesize({ alarmEmail: 'ops@example.com' });
  const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic'));
  const alarms = propertiesOf<AlarmProperties>(template, 'AWS::CloudWatch::Alarm');

  it('points every alarm, the per-set budget alarms included, at one topic, on ALARM and on the way back to OK', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    expect(alarms.map((alarm) => alarm.AlarmName).sort()).toEqual(
      [
        'CacheUnavailable',
        'Errors',
        'IssuerFailures',
        'IssuerQuotaLow',
        'MonthlyTokenBudget',
        'MonthlyTokenBudget-eu-prod',
        'MonthlyTokenBudget-staging',
        'ScheduledRefreshFailing',
        'Throttles',
      ].map((name) => `WllTokenVendor-TokenVendor-${name}`),
    );
    for (const alarm of alarms) {
      expect([alarm.AlarmName, alarm.AlarmActions, alarm.OKActions]).toEqual([alarm.AlarmName, [{ Ref: topicId }], [{ Ref: topicId }]]);
    }
  });

  it('subscribes that address, and no other, by email', () => {
    expect(propertiesOf(template, 'AWS::SNS::Subscription')).toEqual([{ Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: topicId } }]);
  });

  it('encrypts the topic with a key of its own, rotated yearly, deleted with the stack after 7 days', () => {
    const [keyId] = Object.entries(template.findResources('AWS::KMS::Key')).find(([, key]) => /alarm/i.test(JSON.stringify(key))) ?? [];
    expect(propertiesOf<{ KmsMasterKeyId: unknown }>(template, 'AWS::SNS::Topic')[0]!.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    template.hasResource('AWS::KMS::Key', { Properties: { Description: 'Encrypts the WLL token vendor alarm notifications', EnableKeyRotation: true, PendingWindowInDays: 7 }, DeletionPolicy: 'Delete' });
  });

  it('names the topic in the stack outputs', () => {
    expect(template.findOutputs('AlarmTopicArn').AlarmTopicArn?.Value).toEqual({ Ref: topicId });
  });

  it('takes several addresses, comma-separated, each once', () => {
    const several = synthesize({ alarmEmail: 'ops@example.com, oncall@example.com,ops@example.com' }).template;
    expect(propertiesOf<{ Endpoint: string }>(several, 'AWS::SNS::Subscription').map((subscription) => subscription.Endpoint)).toEqual([
      'ops@example.com',
      'oncall@example.com',
    ]);
  });
});

describe('-c alarmTopicArn=<an existing topic>', () => {
  const arn = 'arn:aws:sns:eu-west-1:111122223333:ops-alarms';
  const { template } = synthesize({ alarmTopicArn: arn });

  it('points every alarm at that topic, and creates no topic, key, subscription or topic policy', () => {
    const alarms = propertiesOf<AlarmProperties>(template, 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(9);
    for (const alarm of alarms) expect([alarm.AlarmName, alarm.AlarmActions, alarm.OKActions]).toEqual([alarm.AlarmName, [arn], [arn]]);
    for (const type of ['AWS::SNS::Topic', 'AWS::SNS::Subscription', 'AWS::SNS::TopicPolicy']) template.resourceCountIs(type, 0);
    template.resourceCountIs('AWS::KMS::Key', 1); // the table's
    template.hasOutput('AlarmTopicArn', { Value: arn });
  });
});

describe('without either', () => {
  it('creates no topic and gives the alarms no action, as before', () => {
    const { template } = synthesize({});
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of propertiesOf<AlarmProperties>(template, 'AWS::CloudWatch::Alarm')) expect([alarm.AlarmActions, alarm.OKActions]).toEqual([undefined, undefined]);
    expect(Object.keys(template.findOutputs('*'))).not.toContain('AlarmTopicArn');
  });
});

describe('settings that cannot work', () => {
  it.each([
    [{ alarmEmail: 'ops@example.com', alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:ops-alarms' }, /alarmTopicArn and alarmEmail are both set/],
    [{ alarmEmail: 'ops.example.com' }, /alarmEmail has 'ops.example.com', which is not an email address/],
    [{ alarmEmail: 'ops@example.com;oncall@example.com' }, /not an email address: give one or more, comma-separated/],
    [{ alarmEmail: Array.from({ length: 11 }, (_, i) => `ops${i}@example.com`).join(',') }, /alarmEmail has 11 addresses: give at most 10/],
    [{ alarmTopicArn: 'ops-alarms' }, /alarmTopicArn 'ops-alarms' is not an SNS topic ARN/],
    [{ alarmTopicArn: 'arn:aws:sqs:eu-west-1:111122223333:ops-alarms' }, /is not an SNS topic ARN/],
  ])('%j fails the synth, saying what to give', (context, message) => {
    expect(() => synthesize(context)).toThrow(TokenVendorSettingsError);
    expect(() => synthesize(context)).toThrow(message);
  });

  it('refuses the construct prop alarmTopic next to alarmEmail', () => {
    const app = createApp({ nag: false });
    const topic = new sns.Topic(new Stack(app, 'Topics'), 'Mine');
    expect(() => new TokenVendorStack(app, 'WllTokenVendor', { alarmTopic: topic, alarmEmails: ['ops@example.com'] })).toThrow(
      /alarmTopic is given, and alarmTopicArn or alarmEmail too/,
    );
  });

  it('refuses a misspelt key instead of deploying alarms that notify nobody', () => {
    expect(() => synthesize({ alarmEmails: 'ops@example.com' })).toThrow(ContextError);
    expect(() => synthesize({ alarmEmails: 'ops@example.com' })).toThrow(/did you mean 'alarmEmail'/);
  });
});

describe('cdk-nag on the stack with alarmEmail', () => {
  const build = (app: ReturnType<typeof createApp>): void => {
    new TokenVendorStack(app, 'WllTokenVendor', { alarmEmails: ['ops@example.com'], credentialSets: { 'eu-prod': { monthlyTokenBudget: 500 } } });
  };

  it('cdk-nag 3 (AwsSolutions and Serverless) finds nothing unacknowledged', () => {
    const app = createApp();
    build(app);
    expect(nagFindings(app)).toEqual([]);
  });

  it('cdk-nag 2 finds nothing unsuppressed', () => {
    expect(runNagV2(build).findings).toEqual([]);
  });
});
