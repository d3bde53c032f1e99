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
import { addApiGatewayAlias, addCredentialSetAliases, createCredentialSetSecrets, type DeployedCredentialSet } from './credential-set-resources';
import { API_RESOURCE_POLICY_DEFAULT_LIMIT } from './api-resource-policy';
import { findCredentialSet, validateCredentialSets } from './credential-sets';
import { DEFAULT_SET_NAME } from '../lambda/config/credential-sets';
import { createCredentialsSecret } from './credentials-secret';
import { instanceName } from './instance-name';
import { acknowledgeNagFinding } from './nag-acknowledgements';
import { parseAllowedPrincipals, requireInRange, TokenVendorSettingsError, validateFunctionSettings } from './settings';
import { validateDefaultCredentialSet, validatePrivateApi } from './vendor-shape';
import { createTokenAlarms, type TokenVendorAlarms } from './token-alarms';
import { allowInvocations, createTokenApi } from './token-api';
import { createTokenDashboard } from './token-dashboard';
import { checkRolePolicyLength, createTokenFunction } from './token-function';
import { allowTableReadsThroughDynamoDB, createTableKey } from './token-key';
import { TokenMetrics } from './token-metrics';
import { createRefreshSchedule } from './token-schedule';
import type { TokenVendorProps } from './token-vendor-props';

export type { TokenVendorAlarms } from './token-alarms';
export type { CredentialSetProps, PrivateApiProps, TokenVendorProps } from './token-vendor-props';

/** Options of the grant methods. */
export interface CredentialSetGrantOptions {
  /**
   * The credential set to grant, by name: its alias, or its two API methods, alone.
   * @default - the `default` set: the unqualified function, or `GET /token` and `POST /token/refresh`
   */
  readonly credentialSet?: string;
}

/** A credential set's resources, as {@link TokenVendor.credentialSets} exposes them. */
export interface TokenVendorCredentialSet {
  /** The set's name: its alias's name and its path segment below `/sets/`. */
  readonly name: string;
  /** The Lambda alias direct callers of this set invoke. */
  readonly alias: lambda.IAlias;
  /** The secret holding this set's client credentials. */
  readonly secret: secretsmanager.ISecret;
  /** The full URL of this set's `GET` method (`<api url>sets/<name>/token`); the refresh is below it. */
  readonly tokenUrl: string;
}

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
  /**
   * The secret holding the `default` set's WLL client credentials. A deployment without a default set
   * (`defaultCredentialSet: false`) has none: reading it throws; use {@link credentialSets}.
   */
  get secret(): secretsmanager.ISecret {
    if (this.defaultSecret === undefined) {
      throw new TokenVendorSettingsError(
        `secret: this vendor has no default set (defaultCredentialSet: false), so no default secret; each credential set has its own (credentialSets[].secret).`,
      );
    }
    return this.defaultSecret;
  }
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
  /** The credential sets of `credentialSets`, in the order given; empty without any. */
  readonly credentialSets: readonly TokenVendorCredentialSet[];
  /** Whether the deployment has a `default` set (the `defaultCredentialSet` prop). */
  readonly hasDefaultCredentialSet: boolean;
  private readonly defaultSecret?: secretsmanager.ISecret;
  private readonly methodArns: string[];
  private readonly setMethodArns: ReadonlyMap<string, string[]>;
  private readonly deployedSets: readonly DeployedCredentialSet[];

  constructor(scope: Construct, id: string, props: TokenVendorProps = {}) {
    super(scope, id);
    const settings = validateFunctionSettings(props);
    const name = instanceName(this);
    this.serviceName = props.serviceName ?? name;
    if (!SERVICE_NAME.test(this.serviceName)) {
      throw new TokenVendorSettingsError(`serviceName '${this.serviceName}' is invalid: use 1 to 100 letters, digits and . _ -.`);
    }
    const principals = parseAllowedPrincipals(props.allowedPrincipalArns ?? []);
    const sets = validateCredentialSets(props.credentialSets);
    this.hasDefaultCredentialSet = validateDefaultCredentialSet(props, sets.length);
    const apiResourcePolicyMaxLength = requireInRange('apiResourcePolicyMaxLength', props.apiResourcePolicyMaxLength ?? API_RESOURCE_POLICY_DEFAULT_LIMIT, {
      min: 1,
      max: 1_000_000,
      integer: true,
    });
    const vpcEndpointIds = validatePrivateApi(props.privateApi);
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

    const credentials = this.hasDefaultCredentialSet ? createCredentialsSecret(this, props.secretName) : undefined;
    this.defaultSecret = credentials?.secret;
    // Created set secrets are named after the instance, unique in the account and region: <instance>/<set>.
    const setSecretPrefix = `${name}/`;
    const setSecrets = createCredentialSetSecrets(this, sets, setSecretPrefix);
    this.function = createTokenFunction(this, {
      settings,
      serviceName: this.serviceName,
      table: this.table,
      key: this.key,
      credentials,
      logRetention,
      credentialSets: setSecrets,
      setSecretPrefix,
    });
    checkRolePolicyLength(this.function);
    this.deployedSets = addCredentialSetAliases(this, this.function, setSecrets);
    // A set's principals may invoke that set's alias, and nothing else.
    for (const set of this.deployedSets) allowInvocations(set.alias, set.principals);
    const role = this.function.role;
    if (role === undefined) throw new Error('The token function has no role to let use the table key.');
    allowTableReadsThroughDynamoDB(this.key, role);

    const api = createTokenApi(this, {
      handler: this.function,
      // With sets, API Gateway invokes an alias of its own, the only way the function can tell a real
      // API request for /sets/{name} from a forged event; without sets, the template stays as it was.
      integrationTarget: sets.length > 0 ? addApiGatewayAlias(this, this.function) : this.function,
      principals,
      defaultSet: this.hasDefaultCredentialSet,
      resourcePolicyMaxLength: apiResourcePolicyMaxLength,
      logRetention,
      throttlingRateLimit,
      throttlingBurstLimit,
      cloudWatchRole: props.apiCloudWatchRole,
      apiName: name,
      credentialSets: sets,
      vpcEndpointIds,
    });
    this.api = api.api;
    this.methodArns = api.methodArns;
    this.setMethodArns = api.setMethodArns;
    this.credentialSets = this.deployedSets.map((set) => ({
      name: set.name,
      alias: set.alias,
      secret: set.credentials.secret,
      tokenUrl: `${this.api.url}sets/${set.name}/token`,
    }));
    const scheduleInterval = scheduleMinutes > 0 ? Duration.minutes(scheduleMinutes) : undefined;
    // With sets, the schedule invokes an alias of its own (CONTRACT section 8); without them, the function as before.
    if (scheduleInterval) this.refreshSchedule = createRefreshSchedule(this, this.function, scheduleInterval, { ownAlias: sets.length > 0 }).rule;

    const metrics = new TokenMetrics(this.serviceName);
    this.alarms = createTokenAlarms(this, {
      handler: this.function,
      metrics,
      // With sets, every set's counts are published under the service too: the default set's budget reads its own.
      defaultSetMetrics: sets.length > 0 ? metrics.forCredentialSet(DEFAULT_SET_NAME) : metrics,
      namePrefix: name,
      topic: props.alarmTopic,
      scheduleInterval,
      quotaAlarmPercent,
      monthlyTokenBudget,
      credentialSetBudgets: sets.flatMap((set) => (set.monthlyTokenBudget === undefined ? [] : [{ name: set.name, monthlyTokenBudget: set.monthlyTokenBudget }])),
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
        credentialSets: sets.map((set) => set.name),
        defaultSet: this.hasDefaultCredentialSet,
      });
    }
  }

  /**
   * Lets `grantee` invoke the function directly for one credential set: `lambda:InvokeFunction` on that
   * set's alias alone (`<function arn>:<set>`), or without `credentialSet` on the unqualified function
   * alone (the `default` set), never on another set's alias. The statement goes into the grantee's
   * identity policy; a grantee in another account also needs its account or role in the set's
   * `allowedPrincipalArns` (or, for the default set, the construct's).
   */
  grantInvoke(grantee: iam.IGrantable, options: CredentialSetGrantOptions = {}): iam.Grant {
    const resourceArn =
      options.credentialSet === undefined
        ? this.requireDefaultSet('grantInvoke').function.functionArn
        : findCredentialSet(this.deployedSets, options.credentialSet, 'grantInvoke').alias.functionArn;
    return iam.Grant.addToPrincipal({ grantee, actions: ['lambda:InvokeFunction'], resourceArns: [resourceArn] });
  }

  /**
   * Lets `grantee` call the API for one credential set: `execute-api:Invoke` on `GET /sets/<set>/token`
   * and `POST /sets/<set>/token/refresh` of the deployed stage alone, or without `credentialSet` on
   * `GET /token` and `POST /token/refresh` alone. As with {@link grantInvoke}, another account also needs
   * `allowedPrincipalArns`.
   */
  grantApiAccess(grantee: iam.IGrantable, options: CredentialSetGrantOptions = {}): iam.Grant {
    const resourceArns =
      options.credentialSet === undefined ? this.requireDefaultSet('grantApiAccess').methodArns : this.setMethodArns.get(findCredentialSet(this.deployedSets, options.credentialSet, 'grantApiAccess').name)!;
    return iam.Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns });
  }

  private requireDefaultSet(method: string): this {
    if (this.hasDefaultCredentialSet) return this;
    throw new TokenVendorSettingsError(
      `${method}: this vendor has no default set (defaultCredentialSet: false); name the credentialSet to grant, one of ${this.deployedSets.map((set) => `'${set.name}'`).join(', ')}.`,
    );
  }
}
