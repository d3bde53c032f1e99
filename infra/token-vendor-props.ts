import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';

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
   * Create API Gateway's CloudWatch Logs role and set it as the account's (`AWS::ApiGateway::Account`).
   * API Gateway needs that role ARN, once per account and region, to write the API's access and execution
   * logs; without it the stage fails to deploy ("CloudWatch Logs role ARN must be set in account settings").
   * The setting is account-wide: `true` makes this construct its owner (one per account and region, kept
   * when the stack is deleted). Leave it `false` when the account already has the role, or set it once with
   * the AWS CLI (docs/deploy.md, "API Gateway's logging role").
   * @default - CDK's default: `false` when the app sets the feature flag
   *   `@aws-cdk/aws-apigateway:disableCloudWatchRole` (as `cdk init` does), `true` otherwise
   */
  readonly apiCloudWatchRole?: boolean;
  /**
   * Service name the function logs and publishes metrics under (the metrics' `service` dimension); the
   * alarms and the dashboard watch it. Give each vendor in an account and region its own.
   * @default - the stack name and the construct's path in it, e.g. `WllTokenVendor-TokenVendor`: unique per instance
   */
  readonly serviceName?: string;
  /**
   * How often EventBridge invokes the function to refresh tokens in the last quarter of their life
   * (whole minutes, 1 to 1440); `0` turns the scheduled refresh off.
   * @default 30
   */
  readonly refreshScheduleMinutes?: number;
  /**
   * SNS topic every alarm notifies, the per-set budget alarms included, when it fires and when it is
   * back to OK. Its policy (and its key's, if encrypted) must let CloudWatch publish: see
   * docs/operations.md, or use the standalone stack's `alarmEmail`, which creates such a topic.
   * @default - no notification; the alarms are visible in CloudWatch
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Tokens the issuer may mint per UTC month for these credentials, the `default` set's (a whole number,
   * at least 1): an alarm fires when this month's mints pass 80 % of it (metric `TokensMintedThisMonth`;
   * with credential sets, the default set's own). WLL counts its quota per client, so each set has a
   * budget of its own (`credentialSets.<name>.monthlyTokenBudget`).
   * @default - no budget alarm
   */
  readonly monthlyTokenBudget?: number;
  /**
   * An alarm fires when a quota bucket the issuer reports (`Auth0-Client-Quota-Limit`) has this share left,
   * in percent, or less (metric `IssuerQuotaLowestRemainingPercent`). Whole number from 1 to 99; `0` for no alarm.
   * @default 20
   */
  readonly issuerQuotaAlarmPercent?: number;
  /**
   * Add a CloudWatch dashboard of the vendor's metrics and alarms.
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * Narrow who may have DynamoDB use the table key on their behalf (encrypt, decrypt, create the table's
   * grant) to the roles CloudFormation deploys this stack as: IAM role ARNs, `*` matching any characters
   * (`ArnLike` on `aws:PrincipalArn`), e.g. CDK's `arn:aws:iam::111122223333:role/cdk-hnb659fds-cfn-exec-role-111122223333-eu-west-1`,
   * a `cdk deploy --role-arn` role, a pipeline's or StackSets' execution role. Every role that creates or
   * updates the table must be listed, or the deploy fails at the table. The function role keeps its own
   * Decrypt either way. See docs/deploy-permissions.md.
   * @default - any principal of the deploying account whose IAM policies allow it, through DynamoDB in
   *   this account and region only (as the AWS managed key `aws/dynamodb` does)
   */
  readonly tableKeyDeployRoleArns?: string[];

  // Credential sets and private access (issue 16, CONTRACT section 8).

  /**
   * Further credential sets (WLL clients) this deployment vends tokens for, by name. Each set gets a Lambda
   * alias named after it, the API resources `/sets/<name>/token` and `/sets/<name>/token/refresh`, and
   * its own secret; callers are granted one set at a time ({@link TokenVendor.grantInvoke},
   * {@link TokenVendor.grantApiAccess} with `credentialSet`). A name matches `^[a-z][a-z0-9-]{0,39}$` and is
   * not `default` (the set the settings above describe, which every deployment has); at most 50 sets.
   * @default - no sets: the `default` set alone, exactly as without this prop
   */
  readonly credentialSets?: Readonly<Record<string, CredentialSetProps>>;
  /**
   * Whether the deployment has a `default` set, the one the settings above describe. `false` makes a
   * deployment of the `credentialSets` alone (at least one): no default secret, no `/token` and
   * `/token/refresh`, and an unqualified invocation answered with a BadRequestError naming the sets'
   * aliases (CONTRACT section 8). `secretName`, `allowedPrincipalArns`, `allowedAudiences` and a
   * `wllRegion` or `wllAudience` other than the defaults then have nothing to describe and are refused;
   * `monthlyTokenBudget` is set per set.
   * @default true
   */
  readonly defaultCredentialSet?: boolean;
  /**
   * The longest resource policy, in characters, API Gateway accepts for the API in the target account
   * and region. The construct checks its policy against it at synth, counted as API Gateway keeps it;
   * raise it only after Service Quotas granted more ("Length, in characters, of API Gateway resource
   * policy"). See docs/credential-sets.md.
   * @default 8192
   */
  readonly apiResourcePolicyMaxLength?: number;
  /**
   * Make the REST API private: reachable only through the given interface VPC endpoints for
   * `execute-api`. The API's endpoint type becomes PRIVATE and its resource policy denies every request
   * that does not come through one of them (`aws:SourceVpce`); callers still sign with SigV4 (AWS_IAM).
   * @default - a regional API, reachable from anywhere by principals that IAM allows
   */
  readonly privateApi?: PrivateApiProps;
}

/** One credential set of {@link TokenVendorProps.credentialSets}: a WLL client and who may get its tokens. */
export interface CredentialSetProps {
  /**
   * WLL region whose token endpoint serves this set: `eu`, `us` or `me` (GCC).
   * @default 'eu'
   */
  readonly wllRegion?: string;
  /**
   * Audience used when a caller of this set names none.
   * @default 'wlloyalty.net'
   */
  readonly wllAudience?: string;
  /**
   * Audiences callers of this set may ask for; must include `wllAudience`.
   * @default - `wllAudience` alone
   */
  readonly allowedAudiences?: string[];
  /**
   * Name, or complete ARN, of an existing Secrets Manager secret holding this set's
   * `{"client_id": "...", "client_secret": "..."}`. A name is looked up in the stack's account and region.
   * @default - a secret is created for the set (and retained on stack deletion) holding a placeholder until an operator sets it
   */
  readonly secretName?: string;
  /**
   * Principals of other accounts allowed to get this set's tokens, and this set's only: 12-digit account
   * ids, IAM ARNs (`arn:aws:iam::<account>:root`, `...:role/<name>`, `...:user/<name>`) or AWS Organizations
   * ids (`o-` and 10 to 32 lowercase letters or digits: every principal of that organization). They are
   * named by the API's resource policy for this set's two methods and by a permission on this set's alias;
   * they still need `execute-api:Invoke` / `lambda:InvokeFunction` in their own identity policy.
   * @default - the deploying account only (principals with an identity policy from the grant methods)
   */
  readonly allowedPrincipalArns?: string[];
  /**
   * Tokens the issuer may mint per UTC month for this set (a whole number, at least 1): an alarm fires
   * when this set's mints this month pass 80 % of it.
   * @default - no budget alarm for the set
   */
  readonly monthlyTokenBudget?: number;
}

/** The interface VPC endpoints of {@link TokenVendorProps.privateApi}. */
export interface PrivateApiProps {
  /** Ids of the interface VPC endpoints for `execute-api` (`vpce-...`) through which callers reach the API; at least one. */
  readonly vpcEndpointIds: string[];
}
