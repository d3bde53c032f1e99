import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { CredentialsSecret } from './credentials-secret';
import { functionCode } from './function-code';
import { acknowledgeNagFinding } from './nag-acknowledgements';
import { SECRET_PREFIX_VARIABLE } from '../lambda/config/credential-sets';
import { DEFAULT_AUDIENCE } from '../lambda/config/load-config';
import { longestRendering, longestText } from './deploy-time-values';
import { type FunctionSettings, TokenVendorSettingsError } from './settings';

const DEFAULT_REGION = 'eu';

export interface TokenFunctionOptions {
  readonly settings: FunctionSettings;
  readonly serviceName: string;
  readonly table: dynamodb.ITable;
  readonly key: kms.IKey;
  /** The default set's secret; undefined in a deployment of named sets only (no default set). */
  readonly credentials: CredentialsSecret | undefined;
  readonly logRetention: logs.RetentionDays;
  /** The credential sets, each with its secret (CONTRACT section 8); empty for the default set alone. */
  readonly credentialSets: readonly FunctionCredentialSet[];
  /** The name a created set secret has before the set's name (CREDENTIAL_SETS_SECRET_PREFIX). */
  readonly setSecretPrefix: string;
}

/** What the function needs of a credential set: its settings and its secret. */
export interface FunctionCredentialSet {
  readonly name: string;
  readonly wllRegion: string;
  readonly wllAudience: string;
  readonly allowedAudiences: readonly string[];
  readonly credentials: CredentialsSecret;
}

// The issuer client spends at most 12 s (3 attempts of up to 5 s, with backoff), and a container
// waiting on another one's refresh lease needs a few more; API Gateway gives up after 29 s.
const TIMEOUT = Duration.seconds(20);
// The work is I/O bound; 256 MB buys enough CPU for a quick cold start of the bundled SDK.
const MEMORY_MB = 256;
/**
 * The token function: the bundled handler (see function-code.ts), with its own log group and
 * a role that may use its log group, table, table key and secret, and nothing else.
 */
export function createTokenFunction(scope: Construct, options: TokenFunctionOptions): lambda.Function {
  const { settings, table, credentials } = options;
  const logGroup = new logs.LogGroup(scope, 'FunctionLogs', { retention: options.logRetention });
  // A role of our own: the default one carries AWSLambdaBasicExecutionRole, whose log actions
  // apply to every log group ("*") and include CreateLogGroup, which a precreated group makes moot.
  const role = new iam.Role(scope, 'FunctionRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'WLL token vendor function: its log group, table, table key and credentials secret only',
  });
  const fn = new lambda.Function(scope, 'Function', {
    description: 'Vends cached White Label Loyalty admin API tokens',
    // The prebuilt bundle of the installed package, or in a checkout the source bundled at synth:
    // either way minified with the AWS SDK inside, and no source map in the asset.
    code: functionCode(),
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: MEMORY_MB,
    timeout: TIMEOUT,
    role,
    logGroup,
    environment: checkedEnvironment(scope, {
      // Without a default set, the section 1 variables have nothing to describe (CONTRACT section 8).
      ...(credentials !== undefined && {
        CREDENTIALS_SECRET_ID: credentials.secretId,
      }),
      TOKEN_TABLE_NAME: table.tableName,
      ...(credentials !== undefined && {
        WLL_REGION: settings.wllRegion,
        WLL_AUDIENCE: settings.wllAudience,
        WLL_ALLOWED_AUDIENCES: settings.allowedAudiences.join(','),
      }),
      TOKEN_REFRESH_MARGIN_SECONDS: String(settings.refreshMarginSeconds),
      POWERTOOLS_SERVICE_NAME: options.serviceName,
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ...credentialSetsVariables(scope, options.credentialSets, options.setSecretPrefix),
    }),
  });

  // Explicit statements rather than the grant helpers: table.grantReadWriteData() adds batch,
  // query and scan actions and key actions the caller of DynamoDB does not need, and
  // secret.grantRead() adds DescribeSecret.
  role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
  // The function reads, writes and conditionally updates items (tokens, lease, counters) and
  // never deletes one: expired items go by TTL.
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resources: [table.tableArn],
    }),
  );
  // DynamoDB decrypts the table key with the permission of the principal accessing the table (KMS
  // developer guide, "How Amazon DynamoDB uses AWS KMS": Decrypt is logged as that principal, while
  // GenerateDataKey and CreateGrant are made by DynamoDB itself or for the table's creator).
  // Only through DynamoDB, never directly. The key policy (token-key.ts) delegates this use to IAM
  // (for this role by name too, so it holds when tableKeyDeployRoleArns narrows the rest), so the
  // statement is needed on both sides.
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [options.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(scope).region}.amazonaws.com` } },
    }),
  );
  // Every set's secret and nothing else (sets sharing a secret name it once).
  const secrets = [...new Set([...(credentials ? [credentials.policyResource] : []), ...options.credentialSets.map((set) => set.credentials.policyResource)])];
  role.addToPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: secrets }));

  acknowledgeFunctionFindings(fn);
  return fn;
}

/** IAM's limit on a role's inline policies together, in characters without whitespace (not adjustable). */
export const ROLE_POLICY_LIMIT = 10_240;

/**
 * Fails at synth, saying what to do, when the function role's policy would not fit IAM's limit: it
 * names every set's secret, whose ARNs are long (deploy-time values at their longest).
 */
export function checkRolePolicyLength(fn: lambda.Function): void {
  const policy = fn.role?.node.tryFindChild('DefaultPolicy');
  if (!(policy instanceof iam.Policy)) return;
  const length = JSON.stringify(longestRendering(Stack.of(fn), policy.document)).length;
  if (length <= ROLE_POLICY_LIMIT) return;
  throw new TokenVendorSettingsError(
    `the function role's policy would be ${length} characters, over IAM's limit of ${ROLE_POLICY_LIMIT} for a role's inline policies ` +
      '(not adjustable; counted with deploy-time ARNs at their longest): each credential set adds its secret\'s ARN. Use shorter set ' +
      'names or secret names, give the construct a shorter id (created secrets are named after its path), or split the sets over two deployments.',
  );
}

/** Lambda's limit on a function's environment: every variable's name and value, in bytes (not adjustable). */
export const ENVIRONMENT_LIMIT_BYTES = 4096;

/**
 * CREDENTIAL_SETS (CONTRACT section 8): a JSON object from set name to settings, without the values
 * equal to the function's defaults, and without the `secretId` of a secret the construct created:
 * those are named `<CREDENTIAL_SETS_SECRET_PREFIX><set>`, which the function reads by that name.
 * An ARN costs about 140 bytes of Lambda's 4 KB; a set's name at most 40.
 */
function credentialSetsVariables(scope: Construct, sets: readonly FunctionCredentialSet[], secretPrefix: string): Record<string, string> {
  if (sets.length === 0) return {};
  const value: Record<string, Record<string, unknown>> = {};
  let prefixed = false;
  for (const set of sets) {
    const onlyTheDefaultAudience = set.allowedAudiences.length === 1 && set.allowedAudiences[0] === set.wllAudience;
    const byPrefix = set.credentials.secretId === `${secretPrefix}${set.name}`;
    prefixed ||= byPrefix;
    value[set.name] = {
      ...(!byPrefix && { secretId: set.credentials.secretId }),
      ...(set.wllRegion !== DEFAULT_REGION && { wllRegion: set.wllRegion }),
      ...(set.wllAudience !== DEFAULT_AUDIENCE && { audience: set.wllAudience }),
      ...(!onlyTheDefaultAudience && { allowedAudiences: set.allowedAudiences }),
    };
  }
  return { CREDENTIAL_SETS: Stack.of(scope).toJsonString(value), ...(prefixed && { [SECRET_PREFIX_VARIABLE]: secretPrefix }) };
}

/** The size Lambda counts: names and values, in UTF-8 bytes, deploy-time values at their longest. */
export function environmentBytes(scope: Construct, environment: Readonly<Record<string, string>>): number {
  const stack = Stack.of(scope);
  return Object.entries(environment).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(longestText(stack, value)), 0);
}

/** `environment`, once it is known to fit Lambda's 4 KB in any account and region; else a settings error saying what to do. */
function checkedEnvironment(scope: Construct, environment: Record<string, string>): Record<string, string> {
  const bytes = environmentBytes(scope, environment);
  if (bytes <= ENVIRONMENT_LIMIT_BYTES) return environment;
  const sets = environment.CREDENTIAL_SETS === undefined ? '' : `, ${environmentBytes(scope, { CREDENTIAL_SETS: environment.CREDENTIAL_SETS })} of them CREDENTIAL_SETS`;
  throw new TokenVendorSettingsError(
    `the function's environment would take ${bytes} bytes${sets}, over Lambda's limit of ${ENVIRONMENT_LIMIT_BYTES} for all variables' names and values ` +
      '(not adjustable; counted with deploy-time names and ARNs at their longest). Make each credential set smaller: let the stack create ' +
      "its secret (no secretName) or name an existing one by a short name rather than its ARN, list fewer allowedAudiences, use shorter " +
      'set names, or split the sets over two deployments.',
  );
}

function acknowledgeFunctionFindings(fn: lambda.Function): void {
  acknowledgeNagFinding(
    fn,
    'Serverless-LambdaDLQ',
    'Callers invoke the function synchronously (API Gateway proxy, RequestResponse invoke) and receive its errors. ' +
      'The only asynchronous invocation is the scheduled refresh, whose event carries nothing to keep: it is not retried, ' +
      'the next run replaces a failed one, and failed runs raise the scheduled refresh alarm.',
  );
  acknowledgeNagFinding(
    fn,
    'Serverless-LambdaTracing',
    'The handler carries no X-Ray instrumentation, and active tracing would add xray:PutTraceSegments on Resource "*" to the role; ' +
      'the function publishes issuer latency and failure metrics and structured logs instead.',
  );
}
