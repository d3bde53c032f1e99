import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import { createTokenTable, localDynamoDbClient, startDynamoDbLocal, type DynamoDbLocal } from '../test/support/dynamodb-local';
import { SecretsManagerStandIn } from '../test/support/secrets-manager-stand-in';
import { WllStandIn } from '../test/support/wll-stand-in';

/**
 * What every scenario runs against: the handler bundled as `cdk synth` bundles it,
 * DynamoDB Local, and the Secrets Manager and WLL stand-ins (the latter with a
 * realistic delay per request).
 */
export interface BenchEnvironment {
  readonly handlerPath: string;
  readonly wll: WllStandIn;
  /** A fresh table and the function environment that points at it. */
  freshEnv(overrides?: Record<string, string>): Promise<Record<string, string>>;
  close(): Promise<void>;
}

const ISSUER_DELAY_MS = 150;

export async function startEnvironment(): Promise<BenchEnvironment> {
  const handlerPath = await bundleHandler();
  const dynamodb: DynamoDbLocal = await startDynamoDbLocal();
  const client = { clientId: `bench-${randomUUID().slice(0, 8)}`, clientSecret: randomBytes(24).toString('base64url'), audiences: ['wlloyalty.net'] };
  const wll = await WllStandIn.start({ clients: [client], delayMs: ISSUER_DELAY_MS });
  const secrets = await SecretsManagerStandIn.start();
  secrets.putSecretString('wll/bench', JSON.stringify({ client_id: client.clientId, client_secret: client.clientSecret }));
  const tables = localDynamoDbClient(dynamodb.endpoint);

  return {
    handlerPath,
    wll,
    async freshEnv(overrides = {}) {
      const tableName = `bench-${randomUUID()}`;
      await createTokenTable(tables, tableName);
      return {
        BENCH_HANDLER_PATH: handlerPath,
        CREDENTIALS_SECRET_ID: 'wll/bench',
        TOKEN_TABLE_NAME: tableName,
        WLL_TOKEN_URL: wll.url,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'AKIDBENCH',
        AWS_SECRET_ACCESS_KEY: 'benchSecretKey',
        AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        POWERTOOLS_METRICS_DISABLED: 'true',
        ...overrides,
      };
    },
    async close() {
      tables.destroy();
      await Promise.all([wll.close(), secrets.close(), dynamodb.stop()]);
    },
  };
}

/** Bundles lambda/handler.ts with the options the CDK construct uses (minified, SDK inside). */
async function bundleHandler(): Promise<string> {
  const outdir = path.join(__dirname, '.build');
  mkdirSync(outdir, { recursive: true });
  const outfile = path.join(outdir, 'handler.js');
  await build({
    entryPoints: [path.join(__dirname, '..', 'lambda', 'handler.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
  });
  return outfile;
}
