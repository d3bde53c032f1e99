import { Duration, Stack, Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { CredentialsSecret } from './credentials-secret';
import { functionCode } from './function-code';
import { acknowledgeNagFinding } from './nag-acknowledgements';
import { DEFAULT_AUDIENCE } from '../lambda/config/load-config';
import { type FunctionSettings, TokenVendorSettingsError } from './settings';

const DEFAULT_REGION = 'eu';

export interface TokenFunctionOptions {
  readonly settings: FunctionSettings;
  readonly serviceName: string;
  readonly table: dynamodb.ITable;
  readonly key: kms.IKey;
  readonly credentials: CredentialsSecret;
  readonly logRetention: logs.RetentionDays;
  /** The credential sets, each with its secret (CONTRACT section 8); empty for the default set alone. */
  readonly credentialSets: readonly FunctionCredentialSet[];
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
    environment: {
      CREDENTIALS_SECRET_ID: credentials.secretId,
      TOKEN_TABLE_NAME: table.tableName,
      WLL_REGION: settings.wllRegion,
      WLL_AUDIENCE: settings.wllAudience,
      WLL_ALLOWED_AUDIENCES: settings.allowedAudiences.join(','),
      TOKEN_REFRESH_MARGIN_SECONDS: String(settings.refreshMarginSeconds),
      POWERTOOLS_SERVICE_NAME: options.serviceName,
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ...(options.credentialSets.length > 0 && { CREDENTIAL_SETS: credentialSetsVariable(scope, options.credentialSets) }),
    },
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
  const secrets = [...new Set([credentials.policyResource, ...options.credentialSets.map((set) => set.credentials.policyResource)])];
  role.addToPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: secrets }));

  acknowledgeFunctionFindings(fn);
  return fn;
}

// Lambda's limit on the whole environment (names and values).
const ENVIRONMENT_LIMIT_BYTES = 4096;
// What a secret ARN known only at deploy may take in the environment: a name of up to 512 characters
// would be more, but CloudFormation names a created secret after its logical id (about 100 in all).
const DEPLOY_TIME_ARN_BYTES = 110;

/**
 * CREDENTIAL_SETS (CONTRACT section 8): a JSON object from set name to settings. Values equal to
 * the function's defaults are left out: Lambda's environment holds 4 KB in all.
 */
function credentialSetsVariable(scope: Construct, sets: readonly FunctionCredentialSet[]): string {
  const value: Record<string, Record<string, unknown>> = {};
  for (const set of sets) {
    const onlyTheDefaultAudience = set.allowedAudiences.length === 1 && set.allowedAudiences[0] === set.wllAudience;
    value[set.name] = {
      secretId: set.credentials.secretId,
      ...(set.wllRegion !== DEFAULT_REGION && { wllRegion: set.wllRegion }),
      ...(set.wllAudience !== DEFAULT_AUDIENCE && { audience: set.wllAudience }),
      ...(!onlyTheDefaultAudience && { allowedAudiences: set.allowedAudiences }),
    };
  }
  const estimate = JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'string' && Token.isUnresolved(item) ? 'x'.repeat(DEPLOY_TIME_ARN_BYTES) : item,
  ).length;
  if (estimate > ENVIRONMENT_LIMIT_BYTES - 1024) {
    throw new TokenVendorSettingsError(
      `credentialSets would need about ${estimate} bytes in the function's environment, which Lambda limits to 4 KB in all: ` +
        'use fewer sets per deployment, or give the sets existing secrets by short name (secretName) instead of created ones.',
    );
  }
  return Stack.of(scope).toJsonString(value);
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
