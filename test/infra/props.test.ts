import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DISABLE_CLOUDWATCH_ROLE_FLAG } from '../../infra/token-api';
import { TokenVendor, type TokenVendorProps } from '../../infra/token-vendor';
import { cfn, createApp, nagFindings, propertiesOf } from './fixture';

// Variants of the construct's props, each in its own app without bundling (the assertTemplate is
// what is checked here). Every synthesis runs cdk-nag, so each variant is also nag-clean.
function synth(props: TokenVendorProps): { stack: Stack; vendor: TokenVendor; assertTemplate: Template } {
  const app = createApp();
  const stack = new Stack(app, 'Host');
  const vendor = new TokenVendor(stack, 'Vendor', props);
  const assertTemplate = Template.fromStack(stack);
  expect(nagFindings(app)).toEqual([]);
  return { stack, vendor, assertTemplate };
}

const environment = (template: Template): Record<string, unknown> =>
  propertiesOf<{ Environment: { Variables: Record<string, unknown> } }>(template, 'AWS::Lambda::Function')[0]!.Environment.Variables;

const secretStatement = (template: Template): unknown =>
  propertiesOf<{ PolicyDocument: { Statement: { Action: unknown }[] } }>(template, 'AWS::IAM::Policy')[0]!.PolicyDocument.Statement.find(
    (statement) => statement.Action === 'secretsmanager:GetSecretValue',
  );

describe('function settings', () => {
  it('reach the environment normalised, as the function reads them', () => {
    const { assertTemplate } = synth({
      wllRegion: 'US',
      wllAudience: 'staging.wlloyalty.net',
      allowedAudiences: ['staging.wlloyalty.net', 'production.wlloyalty.net'],
      refreshMarginSeconds: 600,
    });
    expect(environment(assertTemplate)).toMatchObject({
      WLL_REGION: 'us',
      WLL_AUDIENCE: 'staging.wlloyalty.net',
      WLL_ALLOWED_AUDIENCES: 'staging.wlloyalty.net,production.wlloyalty.net',
      TOKEN_REFRESH_MARGIN_SECONDS: '600',
    });
    expect(environment(assertTemplate)).not.toHaveProperty('WLL_TOKEN_URL');
  });
});

describe('an existing secret', () => {
  it('by name: the function gets the name and may read only secrets of that name (any 6-character suffix)', () => {
    const { assertTemplate } = synth({ secretName: 'wll/token-vendor/credentials' });
    assertTemplate.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(environment(assertTemplate).CREDENTIALS_SECRET_ID).toBe('wll/token-vendor/credentials');
    expect(secretStatement(assertTemplate)).toEqual({
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':secretsmanager:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':secret:wll/token-vendor/credentials-??????',
          ],
        ],
      },
    });
  });

  it('by complete ARN: the function gets the ARN and may read exactly that secret', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:wll/credentials-AbC123';
    const { assertTemplate } = synth({ secretName: arn });
    assertTemplate.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(environment(assertTemplate).CREDENTIALS_SECRET_ID).toBe(arn);
    expect(secretStatement(assertTemplate)).toEqual({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: arn });
  });
});

describe('allowedPrincipalArns', () => {
  it('replace the account in the API resource policy, and each (counted once) gets a Lambda invoke permission', () => {
    const role = 'arn:aws:iam::444455556666:role/caller';
    const { stack, vendor, assertTemplate } = synth({
      allowedPrincipalArns: ['111122223333', role, 'arn:aws:iam::777788889999:root', 'arn:aws:iam::111122223333:root'],
    });
    const accountRoot = (account: string): unknown => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:root`]],
    });
    type Policy = { Policy: { Statement: { Principal: { AWS: unknown[] } }[] } };
    const statements = propertiesOf<Policy>(assertTemplate, 'AWS::ApiGateway::RestApi')[0]!.Policy.Statement;
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'execute-api:Invoke',
        Principal: { AWS: expect.any(Array) as unknown },
        Resource: ['execute-api:/prod/GET/token', 'execute-api:/prod/POST/token/refresh'],
      },
    ]);
    const allowed = statements[0]!.Principal.AWS;
    expect(allowed).toHaveLength(3);
    expect(allowed).toEqual(expect.arrayContaining([accountRoot('111122223333'), role, accountRoot('777788889999')]));
    const functionArn = cfn(stack, vendor.function.functionArn);
    for (const principal of ['111122223333', role, '777788889999']) {
      assertTemplate.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: functionArn,
        Principal: principal,
        SourceArn: Match.absent(),
      });
    }
    assertTemplate.resourceCountIs('AWS::Lambda::Permission', 2 + 1 + 3); // API Gateway's two, the schedule's, one per principal
  });
});

describe('other props', () => {
  it('alarmTopic: every alarm notifies the topic', () => {
    const app = createApp();
    const stack = new Stack(app, 'Host');
    const topic = new sns.Topic(stack, 'Topic', { enforceSSL: true });
    new TokenVendor(stack, 'Vendor', { alarmTopic: topic });
    const assertTemplate = Template.fromStack(stack);
    assertTemplate.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    assertTemplate.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [cfn(stack, topic.topicArn)] });
  });

  it('removalPolicy RETAIN keeps the table and its key', () => {
    const { assertTemplate } = synth({ removalPolicy: RemovalPolicy.RETAIN });
    assertTemplate.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
    assertTemplate.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
  });

  it('refreshScheduleMinutes sets the rate, and the age at which Lambda drops a run it could not start (at most 6 hours)', () => {
    synth({ refreshScheduleMinutes: 120 }).assertTemplate.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(2 hours)' });
    const { assertTemplate } = synth({ refreshScheduleMinutes: 1_440 });
    assertTemplate.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 day)' });
    assertTemplate.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 6 * 3600 });
    assertTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'AsyncEventsDropped', Period: 86_400, EvaluationPeriods: 2 });
  });

  it('refreshScheduleMinutes 0 turns the scheduled refresh, its retry settings and its alarm off', () => {
    const { assertTemplate } = synth({ refreshScheduleMinutes: 0 });
    assertTemplate.resourceCountIs('AWS::Events::Rule', 0);
    assertTemplate.resourceCountIs('AWS::Lambda::EventInvokeConfig', 0);
    assertTemplate.resourcePropertiesCountIs('AWS::Lambda::Permission', { Principal: 'events.amazonaws.com' }, 0);
    assertTemplate.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'AsyncEventsDropped' }, 0);
  });

  it('dashboard false leaves the dashboard out', () => {
    synth({ dashboard: false }).assertTemplate.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });

  it('monthlyTokenBudget adds the budget alarm at 80 %; issuerQuotaAlarmPercent moves the quota alarm', () => {
    const { assertTemplate } = synth({ monthlyTokenBudget: 1_000, issuerQuotaAlarmPercent: 35 });
    assertTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'TokensMintedThisMonth', Threshold: 800 });
    assertTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'IssuerQuotaLowestRemainingPercent', Threshold: 35 });
    assertTemplate.resourceCountIs('AWS::CloudWatch::Alarm', 7);
  });

  it('issuerQuotaAlarmPercent 0 removes the quota alarm', () => {
    const { assertTemplate } = synth({ issuerQuotaAlarmPercent: 0 });
    assertTemplate.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'IssuerQuotaLowestRemainingPercent' }, 0);
    assertTemplate.resourceCountIs('AWS::CloudWatch::Alarm', 5);
  });

  it('throttling, log retention and service name are applied', () => {
    const { assertTemplate } = synth({ throttlingRateLimit: 5, throttlingBurstLimit: 10, logRetention: logs.RetentionDays.ONE_WEEK, serviceName: 'wll-staging' });
    assertTemplate.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 })],
    });
    assertTemplate.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    expect(environment(assertTemplate).POWERTOOLS_SERVICE_NAME).toBe('wll-staging');
    assertTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', { Dimensions: [{ Name: 'service', Value: 'wll-staging' }] });
  });
});

describe('invalid props fail at synth with a message naming the setting and what it accepts', () => {
  const build = (props: TokenVendorProps) => (): TokenVendor => new TokenVendor(new Stack(createApp(), 'Host'), 'Vendor', props);

  it.each<[string, TokenVendorProps, RegExp]>([
    ['an unknown region', { wllRegion: 'mars' }, /wllRegion is 'mars': accepted values are eu, us and me \(GCC\)/],
    ['an audience with a space', { wllAudience: 'wll oyalty.net' }, /wllAudience has an invalid audience 'wll oyalty.net'/],
    [
      'allowed audiences without the default one',
      { wllAudience: 'wlloyalty.net', allowedAudiences: ['staging.wlloyalty.net'] },
      /allowedAudiences \(staging.wlloyalty.net\) does not include wllAudience 'wlloyalty.net'/,
    ],
    ['an audience holding a comma', { allowedAudiences: ['a.net,b.net'] }, /allowedAudiences has 'a.net,b.net': give one audience per list entry/],
    ['a negative margin', { refreshMarginSeconds: -1 }, /refreshMarginSeconds is '-1': use a whole number of seconds from 0 to 86399/],
    ['a fractional margin', { refreshMarginSeconds: 1.5 }, /refreshMarginSeconds is '1.5'/],
    ['a margin of a whole token lifetime', { refreshMarginSeconds: 86_400 }, /refreshMarginSeconds is '86400'/],
    ['a wildcard principal', { allowedPrincipalArns: ['*'] }, /allowedPrincipalArns has '\*'.*A wildcard is not accepted/],
    [
      'a malformed principal ARN',
      { allowedPrincipalArns: ['arn:aws:iam::123:role/x'] },
      /allowedPrincipalArns has 'arn:aws:iam::123:role\/x', which is not an IAM principal: use a 12-digit account id/,
    ],
    [
      'a partial secret ARN',
      { secretName: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:wll' },
      /secretName '.*' is not a complete Secrets Manager secret ARN/,
    ],
    ['a secret name with spaces', { secretName: 'my secret' }, /secretName 'my secret' is not a Secrets Manager secret name/],
    ['a zero rate limit', { throttlingRateLimit: 0 }, /throttlingRateLimit is 0: use a number from 1 to 10000/],
    ['a fractional burst', { throttlingBurstLimit: 2.5 }, /throttlingBurstLimit is 2.5: use a whole number from 1 to 5000/],
    ['a service name with a space', { serviceName: 'wll vendor' }, /serviceName 'wll vendor' is invalid/],
    ['a schedule longer than a day', { refreshScheduleMinutes: 1_441 }, /refreshScheduleMinutes is 1441: use a whole number from 0 to 1440/],
    ['a budget of nothing', { monthlyTokenBudget: 0 }, /monthlyTokenBudget is 0: use a whole number from 1 to 1000000000/],
    ['a fractional budget', { monthlyTokenBudget: 99.5 }, /monthlyTokenBudget is 99.5: use a whole number/],
    ['a quota alarm at 100 %', { issuerQuotaAlarmPercent: 100 }, /issuerQuotaAlarmPercent is 100: use a whole number from 0 to 99/],
  ])('%s', (_case, props, message) => {
    expect(build(props)).toThrow(message);
    expect(build(props)).toThrow(/^Invalid TokenVendor setting: /);
  });
});

describe('apiCloudWatchRole: the account-wide API Gateway logging role', () => {
  const accountSettings = (template: Template): number => Object.keys(template.findResources('AWS::ApiGateway::Account')).length;
  const build = (props: TokenVendorProps, context: Record<string, unknown> = {}): Template => {
    const app = createApp({ context });
    const stack = new Stack(app, 'Host');
    new TokenVendor(stack, 'Vendor', props);
    const template = Template.fromStack(stack);
    expect(nagFindings(app)).toEqual([]);
    return template;
  };
  const withoutFlag = { [DISABLE_CLOUDWATCH_ROLE_FLAG]: false };

  it('follows the app\'s @aws-cdk/aws-apigateway:disableCloudWatchRole flag when the prop is not set', () => {
    expect(accountSettings(build({}))).toBe(0); // cdk.json (like cdk init) sets the flag
    expect(accountSettings(build({}, withoutFlag))).toBe(1); // CDK's own default without it
  });

  it('true creates the role and the account setting, whatever the flag, and keeps both when the stack goes', () => {
    const assertTemplate = build({ apiCloudWatchRole: true });
    assertTemplate.resourceCountIs('AWS::ApiGateway::Account', 1);
    assertTemplate.hasResource('AWS::ApiGateway::Account', { DeletionPolicy: 'Retain' });
    assertTemplate.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })] }),
    });
  });

  it('false leaves the account setting alone, whatever the flag', () => {
    expect(accountSettings(build({ apiCloudWatchRole: false }, withoutFlag))).toBe(0);
  });

  it('true on two vendors of one stack fails at synth: the setting is one per account and region', () => {
    const stack = new Stack(createApp(), 'Host');
    new TokenVendor(stack, 'First', { apiCloudWatchRole: true });
    expect(() => new TokenVendor(stack, 'Second', { apiCloudWatchRole: true })).toThrow(
      /apiCloudWatchRole is true, but Host\/First\/Api\/Account already sets API Gateway's account-wide CloudWatch Logs role for the same account and region/,
    );
  });

  it('two vendors in stacks of one environment, in an app without the flag, fail too, saying the default did it', () => {
    const app = createApp({ context: withoutFlag });
    new TokenVendor(new Stack(app, 'First'), 'Vendor');
    expect(() => new TokenVendor(new Stack(app, 'Second'), 'Vendor')).toThrow(
      /apiCloudWatchRole is true \(CDK's default in an app that does not set the feature flag @aws-cdk\/aws-apigateway:disableCloudWatchRole\), but First\/Vendor\/Api\/Account/,
    );
    // Another account or region has a setting of its own.
    const other = { env: { account: '111122223333', region: 'eu-west-1' } };
    expect(() => new TokenVendor(new Stack(app, 'Third', other), 'Vendor')).not.toThrow();
  });
});
