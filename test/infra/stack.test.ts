import { Match, Template } from 'aws-cdk-lib/assertions';
import type { App } from 'aws-cdk-lib';
import { TokenVendorStack } from '../../infra/token-vendor-stack';
import { METRICS_NAMESPACE, MetricName } from '../../lambda/telemetry/metric-names';
import { PLACEHOLDER_SECRET_TEMPLATE } from '../../lambda/credentials/secret-format';
import { acknowledgements, cfn, createApp, nagFindings, propertiesOf } from './fixture';

// The stack as `cdk synth` builds it from cdk.json's defaults, bundled for real: synthesized
// once (cdk-nag runs during that synthesis and would throw on any unacknowledged finding).
let app: App;
let stack: TokenVendorStack;
let assertTemplate: Template;

beforeAll(() => {
  app = createApp({ bundle: true });
  stack = new TokenVendorStack(app, 'WllTokenVendor');
  assertTemplate = Template.fromStack(stack);
});

const vendor = (): TokenVendorStack['tokenVendor'] => stack.tokenVendor;
// The default service name: the stack's name and the construct's path in it.
const SERVICE_NAME = 'WllTokenVendor-TokenVendor';

describe('the function', () => {
  it('runs the bundled handler on the newest Node.js runtime, on arm64, with the chosen memory and timeout', () => {
    assertTemplate.resourceCountIs('AWS::Lambda::Function', 1);
    assertTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 256,
      Timeout: 20,
      LoggingConfig: { LogGroup: cfn(stack, vendor().function.logGroup.logGroupName) },
    });
  });

  it('gets exactly the settings of CONTRACT section 1 in its environment', () => {
    assertTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectEquals({
          CREDENTIALS_SECRET_ID: cfn(stack, vendor().secret.secretArn),
          TOKEN_TABLE_NAME: cfn(stack, vendor().table.tableName),
          WLL_REGION: 'eu',
          WLL_AUDIENCE: 'wlloyalty.net',
          WLL_ALLOWED_AUDIENCES: 'wlloyalty.net',
          TOKEN_REFRESH_MARGIN_SECONDS: '300',
          POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
          POWERTOOLS_LOG_LEVEL: 'INFO',
        }),
      },
    });
  });

  it('writes to a log group with a one-month retention', () => {
    assertTemplate.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: Match.absent(),
      RetentionInDays: 30,
    });
    assertTemplate.resourceCountIs('AWS::Logs::LogGroup', 2); // the function's and the API's access logs
    assertTemplate.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });
  // The code itself (bundle, no source map, only built-ins required): function-code.test.ts.
});

describe('least privilege', () => {
  it('gives the function role exactly its log group, table (no DeleteItem), table key (through DynamoDB) and secret', () => {
    const role = cfn(stack, vendor().function.role!.roleName);
    assertTemplate.resourcePropertiesCountIs('AWS::IAM::Policy', { Roles: Match.arrayWith([role]) }, 1);
    assertTemplate.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [role],
      PolicyDocument: Match.objectEquals({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: cfn(stack, vendor().function.logGroup.logGroupArn),
          },
          {
            Effect: 'Allow',
            Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
            Resource: cfn(stack, vendor().table.tableArn),
          },
          {
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: cfn(stack, vendor().key.keyArn),
            Condition: {
              StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
            },
          },
          { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: cfn(stack, vendor().secret.secretArn) },
        ],
      }),
    });
  });

  it('gives the function role no managed policy (no AWSLambdaBasicExecutionRole and its Resource "*")', () => {
    assertTemplate.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] }),
      ManagedPolicyArns: Match.absent(),
    });
  });

  it('has no "*" resource in any IAM policy of the stack', () => {
    const policies = propertiesOf<{ PolicyDocument: unknown }>(assertTemplate, 'AWS::IAM::Policy');
    expect(policies.length).toBeGreaterThan(0);
    for (const policy of policies) {
      expect(JSON.stringify(policy.PolicyDocument)).not.toContain('"*"');
    }
  });
});

describe('the table', () => {
  it('is on-demand, keyed by pk, expires items by ttl, encrypted with its customer managed key, and deleted with the stack', () => {
    assertTemplate.resourceCountIs('AWS::DynamoDB::Table', 1);
    assertTemplate.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: cfn(stack, vendor().key.keyArn) },
      },
    });
  });

  it('uses a KMS key with rotation on', () => {
    assertTemplate.resourceCountIs('AWS::KMS::Key', 1);
    assertTemplate.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete', Properties: { EnableKeyRotation: true } });
  });
});

describe('the secret', () => {
  it('is created with a generated placeholder, no plaintext credentials, and retained', () => {
    assertTemplate.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      Properties: {
        SecretString: Match.absent(),
        GenerateSecretString: {
          SecretStringTemplate: JSON.stringify(PLACEHOLDER_SECRET_TEMPLATE),
          GenerateStringKey: 'client_secret',
        },
      },
    });
  });
});

describe('the API', () => {
  it('is a regional REST API with GET /token and POST /token/refresh only (no CORS preflight)', () => {
    assertTemplate.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    assertTemplate.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
    assertTemplate.resourceCountIs('AWS::ApiGateway::Method', 2);
    assertTemplate.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'GET' });
    assertTemplate.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'POST' });
    assertTemplate.resourcePropertiesCountIs('AWS::ApiGateway::Method', { HttpMethod: 'OPTIONS' }, 0);
    const paths = propertiesOf<{ PathPart: string }>(assertTemplate, 'AWS::ApiGateway::Resource').map((resource) => resource.PathPart);
    expect(paths.sort()).toEqual(['refresh', 'token']);
  });

  it('requires AWS_IAM on every method, validates the request parameters, and proxies to the function', () => {
    assertTemplate.allResourcesProperties('AWS::ApiGateway::Method', {
      AuthorizationType: 'AWS_IAM',
      RequestValidatorId: { Ref: Match.stringLikeRegexp('RequestValidator') },
      Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' },
    });
    assertTemplate.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestParameters: true });
  });

  it('declares the optional query strings of CONTRACT section 5: audience on both, replacesTokenSha256 on the refresh', () => {
    assertTemplate.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      RequestParameters: Match.objectEquals({ 'method.request.querystring.audience': false }),
    });
    assertTemplate.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      RequestParameters: Match.objectEquals({
        'method.request.querystring.audience': false,
        'method.request.querystring.replacesTokenSha256': false,
      }),
    });
  });

  it('is named after the construct instance, and leaves the account-wide API Gateway logging role alone', () => {
    assertTemplate.hasResourceProperties('AWS::ApiGateway::RestApi', { Name: SERVICE_NAME });
    // cdk.json sets @aws-cdk/aws-apigateway:disableCloudWatchRole and apiCloudWatchRole is false.
    assertTemplate.resourceCountIs('AWS::ApiGateway::Account', 0);
    assertTemplate.resourceCountIs('AWS::IAM::Role', 1); // the function's
  });

  it('has a resource policy allowing execute-api:Invoke on its two methods to the deploying account only', () => {
    assertTemplate.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Policy: Match.objectEquals({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'execute-api:Invoke',
            Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] } },
            Resource: ['execute-api:/prod/GET/token', 'execute-api:/prod/POST/token/refresh'],
          },
        ],
      }),
    });
  });

  it('throttles the stage and writes JSON access logs and error-level execution logs without bodies', () => {
    assertTemplate.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      TracingEnabled: true,
      MethodSettings: [
        Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100, LoggingLevel: 'ERROR', DataTraceEnabled: false }),
      ],
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
    });
    const stage = propertiesOf<{ AccessLogSetting: { Format: string } }>(assertTemplate, 'AWS::ApiGateway::Stage')[0]!;
    const format = JSON.parse(stage.AccessLogSetting.Format) as Record<string, string>;
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status', userArn: '$context.identity.userArn' });
  });

  it('lets only API Gateway (for these two routes) and the refresh schedule invoke the function', () => {
    const permissions = propertiesOf<{ Principal: string; Action: string; SourceArn: unknown }>(assertTemplate, 'AWS::Lambda::Permission');
    expect(permissions.map((p) => p.Principal).sort()).toEqual(['apigateway.amazonaws.com', 'apigateway.amazonaws.com', 'events.amazonaws.com']);
    for (const permission of permissions) {
      expect(permission.Action).toBe('lambda:InvokeFunction');
      expect(permission.SourceArn).toBeDefined();
    }
  });
});

describe('the scheduled refresh', () => {
  it('invokes the function every 30 minutes with the scheduled event, without EventBridge retries', () => {
    assertTemplate.resourceCountIs('AWS::Events::Rule', 1);
    assertTemplate.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(30 minutes)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: cfn(stack, vendor().function.functionArn),
          Input: Match.absent(),
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 300 },
        }),
      ],
    });
    assertTemplate.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'events.amazonaws.com',
      SourceArn: cfn(stack, vendor().refreshSchedule!.ruleArn),
    });
  });

  it('is not retried by Lambda either: a failed run is one error, and an event older than the next run is dropped', () => {
    assertTemplate.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
    assertTemplate.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: cfn(stack, vendor().function.functionName),
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 30 * 60,
      DestinationConfig: Match.absent(),
    });
  });
});

describe('alarms', () => {
  // Their thresholds and metrics are tested in alarms.test.ts; here, that the stack has them.
  it('are the six of the defaults (no budget alarm without monthlyTokenBudget), named after the instance', () => {
    const names = propertiesOf<{ AlarmName: string }>(assertTemplate, 'AWS::CloudWatch::Alarm').map((alarm) => alarm.AlarmName);
    expect(names.sort()).toEqual(
      ['CacheUnavailable', 'Errors', 'IssuerFailures', 'IssuerQuotaLow', 'ScheduledRefreshFailing', 'Throttles'].map((id) => `${SERVICE_NAME}-${id}`),
    );
  });

  it('watch the metrics the function publishes under its own service dimension', () => {
    for (const metricName of [MetricName.issuerFailures, MetricName.cacheUnavailable, MetricName.issuerQuotaLowestRemainingPercent]) {
      assertTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: METRICS_NAMESPACE,
        MetricName: metricName,
        Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
      });
    }
  });
});

describe('the dashboard', () => {
  it('is there, named after the instance and the region', () => {
    assertTemplate.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    assertTemplate.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: { 'Fn::Join': ['', [`${SERVICE_NAME}-`, { Ref: 'AWS::Region' }]] },
    });
  });
});

describe('outputs', () => {
  it('are exactly those of CONTRACT section 6', () => {
    expect(Object.keys(assertTemplate.findOutputs('*')).sort()).toEqual(
      ['CredentialsSecretArn', 'TokenApiUrl', 'TokenFunctionArn', 'TokenFunctionName', 'TokenTableName'].sort(),
    );
    assertTemplate.hasOutput('TokenFunctionName', { Value: cfn(stack, vendor().function.functionName) });
    assertTemplate.hasOutput('TokenFunctionArn', { Value: cfn(stack, vendor().function.functionArn) });
    assertTemplate.hasOutput('TokenTableName', { Value: cfn(stack, vendor().table.tableName) });
    assertTemplate.hasOutput('CredentialsSecretArn', { Value: cfn(stack, vendor().secret.secretArn) });
  });

  it('give the API stage base URL, ending in a slash', () => {
    const url = assertTemplate.findOutputs('TokenApiUrl').TokenApiUrl!.Value as { 'Fn::Join': [string, unknown[]] };
    expect(url).toEqual(cfn(stack, vendor().api.url));
    expect(url['Fn::Join'][1].at(-1)).toBe('/');
  });
});

describe('cdk-nag', () => {
  it('finds nothing unacknowledged in the AwsSolutions and Serverless packs', () => {
    expect(nagFindings(app)).toEqual([]);
  });

  it('acknowledges exactly these findings, each with its reason', () => {
    const acks = acknowledgements(app);
    expect(Object.keys(acks).sort()).toEqual(
      [
        'AwsSolutions-APIG3 at WllTokenVendor/TokenVendor/Api/DeploymentStage.prod',
        'AwsSolutions-COG4 at WllTokenVendor/TokenVendor/Api/Default/token/GET',
        'AwsSolutions-COG4 at WllTokenVendor/TokenVendor/Api/Default/token/refresh/POST',
        'AwsSolutions-DDB3 at WllTokenVendor/TokenVendor/Table',
        'AwsSolutions-SMG4 at WllTokenVendor/TokenVendor/CredentialsSecret',
        'Serverless-EventBusDLQ at WllTokenVendor/TokenVendor/RefreshSchedule',
        'Serverless-LambdaAsyncFailureDestination at WllTokenVendor/TokenVendor/Function/EventInvokeConfig',
        'Serverless-LambdaDLQ at WllTokenVendor/TokenVendor/Function',
        'Serverless-LambdaTracing at WllTokenVendor/TokenVendor/Function',
      ].sort(),
    );
    for (const reason of Object.values(acks)) expect(reason.length).toBeGreaterThan(60);
  });
});
