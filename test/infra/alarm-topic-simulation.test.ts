import { runSimulation } from '@cloud-copilot/iam-simulate';
import { readTokenVendorContext } from '../../infra/context';
import { TokenVendorStack } from '../../infra/token-vendor-stack';
import { arnOf, type CfnTemplate, type DeployEnvironment } from '../support/iam/cfn-intrinsics';
import { ADMINISTRATOR_ACCESS, keysOf, TEST_ENVIRONMENT, topicsOf } from '../support/iam/deploy-simulation';
import { createApp } from './fixture';

// Who may notify through the alarm topic `-c alarmEmail=...` creates, decided by a real IAM evaluator
// (@cloud-copilot/iam-simulate) on the synthesized topic policy and key policy, resolved to concrete
// ARNs: this stack's alarms, through CloudWatch, and nobody else. An SNS publish to an encrypted topic
// takes two decisions: sns:Publish on the topic, and kms:GenerateDataKey on its key for the publisher.
const { account, region, partition } = TEST_ENVIRONMENT;
const app = createApp({ context: { alarmEmail: 'ops@example.com', credentialSets: '{"eu-prod": {"monthlyTokenBudget": 500}}' } });
const stack = new TokenVendorStack(app, 'Alarms', readTokenVendorContext(app.node));
const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
const env: DeployEnvironment = { account, region, partition, stackName: stack.stackName };
const [topic] = topicsOf(template, env);
const [topicKey] = keysOf(template, env).filter((key) => key.tableNames.length === 0);
const alarmArns = Object.entries(template.Resources)
  .filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm')
  .map(([logicalId]) => arnOf(env, template, logicalId));

const CLOUDWATCH = 'cloudwatch.amazonaws.com';
const OTHER_ACCOUNT = '444455556666';

interface Request {
  readonly principal: string;
  readonly action: string;
  readonly on: 'topic' | 'key';
  readonly context?: Record<string, string>;
  readonly identityPolicies?: readonly { name: string; policy: unknown }[];
}

async function decide({ principal, action, on, context = {}, identityPolicies = [] }: Request): Promise<string> {
  const response = await runSimulation(
    {
      request: {
        principal,
        action,
        resource: { resource: on === 'topic' ? topic!.arn : topicKey!.arn, accountId: account },
        contextVariables: { 'aws:SecureTransport': 'true', ...context },
      },
      identityPolicies: identityPolicies.map((policy) => ({ ...policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: on === 'topic' ? topic!.policy : topicKey!.policy,
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(`iam-simulate refused the request: ${JSON.stringify(response.errors)}`);
  return response.overallResult;
}

/** CloudWatch acting for an alarm: the context AWS documents for a service principal's request. */
const forAlarm = (alarmArn: string, sourceAccount: string = account): Record<string, string> => ({ 'aws:SourceArn': alarmArn, 'aws:SourceAccount': sourceAccount });

describe('the alarm topic of -c alarmEmail', () => {
  it("lets CloudWatch publish for each of this stack's alarms, the per-set budget alarm included, and use the topic's key to do it", async () => {
    expect(alarmArns).toHaveLength(7);
    for (const alarmArn of alarmArns) {
      expect([alarmArn, await decide({ principal: CLOUDWATCH, action: 'sns:Publish', on: 'topic', context: forAlarm(alarmArn) })]).toEqual([alarmArn, 'Allowed']);
    }
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      expect([action, await decide({ principal: CLOUDWATCH, action, on: 'key', context: forAlarm(alarmArns[0]!) })]).toEqual([action, 'Allowed']);
    }
  });

  it('refuses CloudWatch for any other alarm: another alarm of this account, an alarm of another account, or none named', async () => {
    const elsewhere = `arn:aws:cloudwatch:${region}:${account}:alarm:SomeoneElsesAlarm`;
    const otherAccount = `arn:aws:cloudwatch:${region}:${OTHER_ACCOUNT}:alarm:WllTokenVendor-TokenVendor-Errors`;
    expect(await decide({ principal: CLOUDWATCH, action: 'sns:Publish', on: 'topic', context: forAlarm(elsewhere) })).toBe('ImplicitlyDenied');
    expect(await decide({ principal: CLOUDWATCH, action: 'sns:Publish', on: 'topic', context: forAlarm(otherAccount, OTHER_ACCOUNT) })).toBe('ImplicitlyDenied');
    expect(await decide({ principal: CLOUDWATCH, action: 'sns:Publish', on: 'topic', context: { 'aws:SourceAccount': account } })).toBe('ImplicitlyDenied');
  });

  it('refuses any publish without TLS, explicitly', async () => {
    const context = { ...forAlarm(alarmArns[0]!), 'aws:SecureTransport': 'false' };
    expect(await decide({ principal: CLOUDWATCH, action: 'sns:Publish', on: 'topic', context })).toBe('ExplicitlyDenied');
  });

  it('refuses another service the topic and the key', async () => {
    const context = { 'aws:SourceAccount': account, 'aws:SourceArn': `arn:aws:events:${region}:${account}:rule/anything` };
    expect(await decide({ principal: 'events.amazonaws.com', action: 'sns:Publish', on: 'topic', context })).toBe('ImplicitlyDenied');
    expect(await decide({ principal: 'events.amazonaws.com', action: 'kms:GenerateDataKey', on: 'key', context })).toBe('ImplicitlyDenied');
  });

  it("leaves an administrator of the account unable to publish: the topic policy defers to IAM, but the key refuses the data key SNS asks for on the publisher's behalf", async () => {
    const admin = { principal: `arn:aws:iam::${account}:role/Admin`, identityPolicies: [ADMINISTRATOR_ACCESS] };
    const context = { 'aws:PrincipalArn': admin.principal, 'aws:PrincipalAccount': account };
    expect(await decide({ ...admin, action: 'sns:Publish', on: 'topic', context })).toBe('Allowed');
    const throughSns = { ...context, 'kms:ViaService': `sns.${region}.amazonaws.com`, 'kms:CallerAccount': account };
    expect(await decide({ ...admin, action: 'kms:GenerateDataKey', on: 'key', context: throughSns })).toBe('ImplicitlyDenied');
  });

  it('refuses an administrator of another account the topic and the key', async () => {
    const outsider = { principal: `arn:aws:iam::${OTHER_ACCOUNT}:role/Admin`, identityPolicies: [ADMINISTRATOR_ACCESS] };
    const context = { 'aws:PrincipalArn': outsider.principal, 'aws:PrincipalAccount': OTHER_ACCOUNT };
    expect(await decide({ ...outsider, action: 'sns:Publish', on: 'topic', context })).toBe('ImplicitlyDenied');
    expect(await decide({ ...outsider, action: 'sns:Subscribe', on: 'topic', context })).toBe('ImplicitlyDenied');
    expect(await decide({ ...outsider, action: 'kms:Decrypt', on: 'key', context })).toBe('ImplicitlyDenied');
  });
});
