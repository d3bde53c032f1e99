import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { createCredentialsSecret } from './credentials-secret';
import { instanceName } from './instance-name';
import { acknowledgeNagFinding } from './nag-acknowledgements';
import { parseAllowedPrincipals, requireInRange, TokenVendorSettingsError, validateFunctionSettings } from './settings';
import { createTokenAlarms, type TokenVendorAlarms } from './token-alarms';
import { createTokenApi } from './token-api';
import { createTokenDashboard } from './token-dashboard';
import { createTokenFunction } from './token-function';
import { allowTableReadsThroughDynamoDB, createTableKey } from './token-key';
import { TokenMetrics } from './token-metrics';
import { createRefreshSchedule } from './token-schedule';
import type { TokenVendorProps } from './token-vendor-props';

export type { TokenVendorAlarms } from './token-alarms';
export type { TokenVendorProps } from './token-vendor-props';

const SERVICE_NAME = /^[A-Za-z0-9._-]{1,100}$/;
const DEFAULT_REFRESH_SCHEDULE_MINUTES = 30;
const DEFAULT_QUOTA_ALARM_PERCENT = 20;

/**
 * The WLL token vendor: a function that hands out cached WLL admin API tokens, its DynamoDB
 * cache, its credentials secret, an IAM-authorized REST API in front of it, alarms and a dashboard.
 * Any number of vendors may live in one app: each names what the account sees after itself.
 */
export class TokenVendor extends Construct {
  /** The token cache table (partition key `pk`, TTL attribute `ttl`). */
  readonly table: dynamodb.Table;
  /**
   * The customer managed key encrypting the table. Its key policy lets it be used only through DynamoDB in
   * this account and region, by principals of the account whose IAM policies allow it (the function role,
   * CloudFormation's deploy role), or only by the function role and `tableKeyDeployRoleArns` when that is
   * set; never directly. docs/deploy-permissions.md explains the choice.
   */
  readonly key: kms.Key;
  /** The secret holding the WLL client credentials. */
  readonly secret: secretsmanager.ISecret;
  /** The token function (direct invocation and API Gateway proxy). */
  readonly function: lambda.Function;
  /** The REST API: `GET /token` and `POST /token/refresh`, IAM-authorized. */
  readonly api: apigateway.RestApi;
  /** The service name: the `service` dimension of the function's metrics, and its logs' `service`. */
  readonly serviceName: string;
  /** The alarms (function, issuer, cache, scheduled refresh, quota and budget). */
  readonly alarms: TokenVendorAlarms;
  /** The CloudWatch dashboard; undefined with `dashboard: false`. */
  readonly dashboard?: cloudwatch.Dashboard;
  /** The EventBridge rule of the scheduled refresh; undefined when it is off. */
  readonly refreshSchedule?: events.Rule;
  private readonly methodArns: string[];

  constructor(scope: Construct, id: string, props: TokenVendorProps = {}) {
    super(scope, id);
    const settings = validateFunctionSettings(props);
    const name = instanceName(this);
    this.serviceName = props.serviceName ?? name;
    if (!SERVICE_NAME.test(this.serviceName)) {
      throw new TokenVendorSettingsError(`serviceName '${this.serviceName}' is invalid: use 1 to 100 letters, digits and . _ -.`);
    }
    const principals = parseAllowedPrincipals(props.allowedPrincipalArns ?? []);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const throttlingRateLimit = requireInRange('throttlingRateLimit', props.throttlingRateLimit ?? 50, { min: 1, max: 10_000, integer: false });
    const throttlingBurstLimit = requireInRange('throttlingBurstLimit', props.throttlingBurstLimit ?? 100, { min: 1, max: 5_000, integer: true });
    const scheduleMinutes = requireInRange('refreshScheduleMinutes', props.refreshScheduleMinutes ?? DEFAULT_REFRESH_SCHEDULE_MINUTES, {
      min: 0,
      max: 1_440,
      integer: true,
    });
    const quotaAlarmPercent = requireInRange('issuerQuotaAlarmPercent', props.issuerQuotaAlarmPercent ?? DEFAULT_QUOTA_ALARM_PERCENT, {
      min: 0,
      max: 99,
      integer: true,
    });
    const monthlyTokenBudget =
      props.monthlyTokenBudget === undefined
        ? undefined
        : requireInRange('monthlyTokenBudget', props.monthlyTokenBudget, { min: 1, max: 1_000_000_000, integer: true });

    this.key = createTableKey(this, removalPolicy, props.tableKeyDeployRoleArns);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'ttl',
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      removalPolicy,
    });
    acknowledgeNagFinding(
      this.table,
      'AwsSolutions-DDB3',
      'The table is a cache of tokens that expire within 24 hours: there is nothing to restore to a point in time.',
    );

    const credentials = createCredentialsSecret(this, props.secretName);
    this.secret = credentials.secret;
    this.function = createTokenFunction(this, {
      settings,
      serviceName: this.serviceName,
      table: this.table,
      key: this.key,
      credentials,
      logRetention,
    });
    const role = this.function.role;
    if (role === undefined) throw new Error('The token function has no role to let use the table key.');
    allowTableReadsThroughDynamoDB(this.key, role);

    const api = createTokenApi(this, {
      handler: this.function,
      principals,
      logRetention,
      throttlingRateLimit,
      throttlingBurstLimit,
      cloudWatchRole: props.apiCloudWatchRole,
      apiName: name,
    });
    this.api = api.api;
    this.methodArns = api.methodArns;
    const scheduleInterval = scheduleMinutes > 0 ? Duration.minutes(scheduleMinutes) : undefined;
    if (scheduleInterval) this.refreshSchedule = createRefreshSchedule(this, this.function, scheduleInterval);

    const metrics = new TokenMetrics(this.serviceName);
    this.alarms = createTokenAlarms(this, {
      handler: this.function,
      metrics,
      namePrefix: name,
      topic: props.alarmTopic,
      scheduleInterval,
      quotaAlarmPercent,
      monthlyTokenBudget,
    });
    if (props.dashboard ?? true) {
      this.dashboard = createTokenDashboard(this, {
        // Dashboard names are unique per account across regions: the region keeps two deployments apart.
        dashboardName: `${instanceName(this, 200)}-${Stack.of(this).region}`,
        handler: this.function,
        api: this.api,
        metrics,
        alarms: this.alarms,
        quotaAlarmPercent,
        monthlyTokenBudget,
      });
    }
  }

  /**
   * Lets `grantee` invoke the function directly: `lambda:InvokeFunction` on the function and on its
   * versions and aliases (`<arn>` and `<arn>:*`, as CDK's own `grantInvoke` does), nothing else. The
   * statement goes into the grantee's identity policy; a grantee in another account also needs its
   * account or role in `allowedPrincipalArns`, which lets it invoke the unqualified function only.
   */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    const arn = this.function.functionArn;
    return iam.Grant.addToPrincipal({ grantee, actions: ['lambda:InvokeFunction'], resourceArns: [arn, `${arn}:*`] });
  }

  /**
   * Lets `grantee` call the API: `execute-api:Invoke` on `GET /token` and `POST /token/refresh` of the
   * deployed stage, nothing else. As with {@link grantInvoke}, another account also needs `allowedPrincipalArns`.
   */
  grantApiAccess(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns: this.methodArns });
  }
}
