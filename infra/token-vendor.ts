import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DEFAULT_SERVICE_NAME } from '../lambda/telemetry-names';
import { createCredentialsSecret } from './credentials-secret';
import { parseAllowedPrincipals, requireInRange, TokenVendorSettingsError, validateFunctionSettings } from './settings';
import { createTokenAlarms, type TokenVendorAlarms } from './token-alarms';
import { createTokenApi } from './token-api';
import { createTokenFunction } from './token-function';
import { createRefreshSchedule } from './token-schedule';

export type { TokenVendorAlarms } from './token-alarms';

/** Settings of a {@link TokenVendor}. Every value is checked at synth; a bad one throws, naming it. */
export interface TokenVendorProps {
  /**
   * WLL region whose token endpoint the function calls: `eu`, `us` or `me` (GCC).
   * @default 'eu'
   */
  readonly wllRegion?: string;
  /**
   * Audience used when a caller names none.
   * @default 'wlloyalty.net'
   */
  readonly wllAudience?: string;
  /**
   * Audiences callers may ask for; must include `wllAudience`.
   * @default - `wllAudience` alone
   */
  readonly allowedAudiences?: string[];
  /**
   * A token is never handed out with less than this many seconds left (0 to 86399).
   * @default 300
   */
  readonly refreshMarginSeconds?: number;
  /**
   * Name, or complete ARN, of an existing Secrets Manager secret holding
   * `{"client_id": "...", "client_secret": "..."}`. A name is looked up in the stack's account and region.
   * @default - a secret is created (and retained on stack deletion) holding a placeholder until an operator sets it
   */
  readonly secretName?: string;
  /**
   * Who may call the API and invoke the function: 12-digit account ids or IAM ARNs
   * (`arn:aws:iam::<account>:root`, `...:role/<name>`, `...:user/<name>`). Each is allowed by the API's
   * resource policy and by a Lambda permission; callers still sign with SigV4 and, in other accounts,
   * need `execute-api:Invoke` / `lambda:InvokeFunction` in their own identity policy. Principals of the
   * deploying account can always be let in by an identity policy alone ({@link TokenVendor.grantApiAccess},
   * {@link TokenVendor.grantInvoke}), listed or not.
   * @default - the deploying account only (IAM principals of this account with an identity policy allowing it)
   */
  readonly allowedPrincipalArns?: string[];
  /**
   * Removal policy of the token table and its KMS key. The table is only a cache, so losing it costs one
   * token request per audience; DESTROY keeps a deleted stack from leaving a table and a billed key behind.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Retention of the function's log group and of the API's access log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Steady-state requests per second the API stage accepts (above it: 429).
   * @default 50
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst of requests the API stage accepts.
   * @default 100
   */
  readonly throttlingBurstLimit?: number;
  /**
   * Create API Gateway's account-wide CloudWatch Logs role (`AWS::ApiGateway::Account`), needed once per
   * account and region for access and execution logs. Set `false` when the account already has one.
   * @default true
   */
  readonly apiCloudWatchRole?: boolean;
  /**
   * Service name the function logs and publishes metrics under; the alarms watch it.
   * @default 'wll-token-vendor'
   */
  readonly serviceName?: string;
  /**
   * How often EventBridge invokes the function to refresh tokens in the last quarter of their life
   * (whole minutes, 1 to 1440); `0` turns the scheduled refresh off.
   * @default 30
   */
  readonly refreshScheduleMinutes?: number;
  /**
   * SNS topic notified when an alarm fires.
   * @default - no notification; the alarms are visible in CloudWatch
   */
  readonly alarmTopic?: sns.ITopic;
}

const SERVICE_NAME = /^[A-Za-z0-9._-]{1,100}$/;
const DEFAULT_REFRESH_SCHEDULE_MINUTES = 30;

/**
 * The WLL token vendor: a function that hands out cached WLL admin API tokens, its DynamoDB
 * cache, its credentials secret, an IAM-authorized REST API in front of it, and alarms.
 */
export class TokenVendor extends Construct {
  /** The token cache table (partition key `pk`, TTL attribute `ttl`). */
  readonly table: dynamodb.Table;
  /** The customer managed key encrypting the table. */
  readonly key: kms.Key;
  /** The secret holding the WLL client credentials. */
  readonly secret: secretsmanager.ISecret;
  /** The token function (direct invocation and API Gateway proxy). */
  readonly function: lambda.Function;
  /** The REST API: `GET /token` and `POST /token/refresh`, IAM-authorized. */
  readonly api: apigateway.RestApi;
  /** The alarms on function errors, throttles, issuer failures and cache failures. */
  readonly alarms: TokenVendorAlarms;
  /** The EventBridge rule of the scheduled refresh; undefined when it is off. */
  readonly refreshSchedule?: events.Rule;
  private readonly methodArns: string[];

  constructor(scope: Construct, id: string, props: TokenVendorProps = {}) {
    super(scope, id);
    const settings = validateFunctionSettings(props);
    const serviceName = props.serviceName ?? DEFAULT_SERVICE_NAME;
    if (!SERVICE_NAME.test(serviceName)) {
      throw new TokenVendorSettingsError(`serviceName '${serviceName}' is invalid: use 1 to 100 letters, digits and . _ -.`);
    }
    const principals = parseAllowedPrincipals(props.allowedPrincipalArns ?? []);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const throttlingRateLimit = requireInRange('throttlingRateLimit', props.throttlingRateLimit ?? 50, { min: 1, max: 10_000, integer: false });
    const scheduleMinutes = requireInRange('refreshScheduleMinutes', props.refreshScheduleMinutes ?? DEFAULT_REFRESH_SCHEDULE_MINUTES, {
      min: 0,
      max: 1_440,
      integer: true,
    });
    const throttlingBurstLimit = requireInRange('throttlingBurstLimit', props.throttlingBurstLimit ?? 100, { min: 1, max: 5_000, integer: true });

    this.key = new kms.Key(this, 'TableKey', {
      description: 'Encrypts the WLL token vendor cache table',
      enableKeyRotation: true,
      removalPolicy,
      pendingWindow: Duration.days(7),
    });
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'ttl',
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      removalPolicy,
    });
    Validations.of(this.table).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason: 'The table is a cache of tokens that expire within 24 hours: there is nothing to restore to a point in time.',
    });

    const credentials = createCredentialsSecret(this, props.secretName);
    this.secret = credentials.secret;
    this.function = createTokenFunction(this, { settings, serviceName, table: this.table, key: this.key, credentials, logRetention });

    const api = createTokenApi(this, {
      handler: this.function,
      principals,
      logRetention,
      throttlingRateLimit,
      throttlingBurstLimit,
      cloudWatchRole: props.apiCloudWatchRole ?? true,
    });
    this.api = api.api;
    this.methodArns = api.methodArns;
    if (scheduleMinutes > 0) this.refreshSchedule = createRefreshSchedule(this, this.function, Duration.minutes(scheduleMinutes));
    this.alarms = createTokenAlarms(this, { handler: this.function, serviceName, topic: props.alarmTopic });
  }

  /**
   * Lets `grantee` invoke the function directly: `lambda:InvokeFunction` on its ARN, nothing else.
   * The statement goes into the grantee's identity policy; a grantee in another account also needs
   * its account or role in `allowedPrincipalArns`.
   */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['lambda:InvokeFunction'], resourceArns: [this.function.functionArn] });
  }

  /**
   * Lets `grantee` call the API: `execute-api:Invoke` on `GET /token` and `POST /token/refresh` of the
   * deployed stage, nothing else. As with {@link grantInvoke}, another account also needs `allowedPrincipalArns`.
   */
  grantApiAccess(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns: this.methodArns });
  }
}
