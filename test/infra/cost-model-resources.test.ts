import { Template } from 'aws-cdk-lib/assertions';
import { readTokenVendorContext } from '../../infra/context';
import { TokenVendorStack } from '../../infra/token-vendor-stack';
import { ALARMS_WITHOUT_SCHEDULE, DASHBOARDS, KMS_KEYS } from '../../scripts/cost/model';
import { DEFAULT_TRAFFIC } from '../../scripts/cost/traffic';
import { createApp, propertiesOf } from './fixture';

// The cost model (scripts/cost/) prices what the stack holds standing still and how it is set up:
// those assumptions, checked against the stack `cdk deploy` synthesizes with cdk.json's context.
function synthesize(context: Record<string, unknown> = {}): Template {
  const app = createApp({ nag: false, context });
  return Template.fromStack(new TokenVendorStack(app, 'WllTokenVendor', readTokenVendorContext(app.node)));
}

describe("the cost model's fixed part matches the default stack", () => {
  const assertTemplate = synthesize();

  it('counts its alarms, dashboard, KMS keys and secrets', () => {
    assertTemplate.resourceCountIs('AWS::CloudWatch::Alarm', ALARMS_WITHOUT_SCHEDULE + 1);
    assertTemplate.resourceCountIs('AWS::CloudWatch::Dashboard', DASHBOARDS);
    assertTemplate.resourceCountIs('AWS::KMS::Key', KMS_KEYS);
    assertTemplate.resourceCountIs('AWS::SecretsManager::Secret', DEFAULT_TRAFFIC.sets);
  });

  it('prices the function as it runs: arm64 at the modelled memory, logs in text format (Lambda adds its START, END and REPORT lines)', () => {
    expect(propertiesOf<{ MemorySize: number; Architectures: string[]; LoggingConfig?: { LogFormat?: string } }>(assertTemplate, 'AWS::Lambda::Function')).toEqual([
      expect.objectContaining({ MemorySize: DEFAULT_TRAFFIC.memoryMb, Architectures: ['arm64'] }),
    ]);
    expect(propertiesOf<{ LoggingConfig?: { LogFormat?: string } }>(assertTemplate, 'AWS::Lambda::Function')[0]!.LoggingConfig?.LogFormat ?? 'Text').toBe('Text');
  });

  it('schedules a run every period the model assumes, keeps logs as long, and traces the API stage (the X-Ray line)', () => {
    assertTemplate.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: `rate(${DEFAULT_TRAFFIC.scheduleMinutes} minutes)` });
    for (const group of propertiesOf<{ RetentionInDays: number }>(assertTemplate, 'AWS::Logs::LogGroup')) expect(group.RetentionInDays).toBe(DEFAULT_TRAFFIC.logRetentionDays);
    assertTemplate.hasResourceProperties('AWS::ApiGateway::Stage', { TracingEnabled: true });
  });

  it('has one alarm fewer, and no rule, without the schedule', () => {
    const assertUnscheduled = synthesize({ refreshScheduleMinutes: '0' });
    assertUnscheduled.resourceCountIs('AWS::CloudWatch::Alarm', ALARMS_WITHOUT_SCHEDULE);
    assertUnscheduled.resourceCountIs('AWS::Events::Rule', 0);
  });
});
