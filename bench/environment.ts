import { randomBytes, randomUUID } from 'node:crypto';
import { bundleFunction } from '../infra/function-code';
import * as path from 'node:path';
import { tokenSealFor } from '../lambda/table/token-seal';
import { createTokenTable, localDynamoDbClient, startDynamoDbLocal, type DynamoDbLocal } from '../test/support/dynamodb-local';
import { SecretsManagerStandIn } from '../test/support/secrets-manager-stand-in';
import { WllStandIn } from '../test/support/wll-stand-in';
import { ObservingProxy } from './observing-proxy';
import { sha256, TableObserver, type BackoffEvent } from './table-observer';

/** A token the WLL stand-in minted (its fingerprint, never the token). */
export interface MintedToken {
  readonly tokenSha256: string;
  /** Epoch ms, from the JWT's `iat` and `exp` (whole seconds). */
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
}

/** What happened outside the containers while a scenario ran. */
export interface Observed {
  /** When each issuer request arrived (epoch ms), whatever its answer. */
  readonly issuerRequests: readonly number[];
  readonly minted: readonly MintedToken[];
  /** Fingerprints of the tokens stored in the table. */
  readonly stored: ReadonlySet<string>;
  readonly backoffs: readonly BackoffEvent[];
}

/** Observes from the moment it was taken. */
export interface Watch {
  collect(): Observed;
}

/**
 * What every scenario runs against: the handler bundled as `cdk synth` bundles it,
 * DynamoDB Local, and the Secrets Manager and WLL stand-ins (the latter with a
 * realistic delay per request). The function reaches DynamoDB and WLL through
 * observing proxies, so the benchmark knows which tokens were stored and which
 * back-offs written, and when the issuer was asked.
 */
export interface BenchEnvironment {
  readonly handlerPath: string;
  readonly wll: WllStandIn;
  /** A fresh table and the function environment that points at it. */
  freshEnv(overrides?: Record<string, string>): Promise<Record<string, string>>;
  watch(): Watch;
  close(): Promise<void>;
}

export const ISSUER_DELAY_MS = 150;

export async function startEnvironment(): Promise<BenchEnvironment> {
  const handlerPath = bundleHandler();
  const dynamodb: DynamoDbLocal = await startDynamoDbLocal();
  const client = { clientId: `bench-${randomUUID().slice(0, 8)}`, clientSecret: randomBytes(24).toString('base64url'), audiences: ['wlloyalty.net'] };
  const wll = await WllStandIn.start({ clients: [client], delayMs: ISSUER_DELAY_MS });
  const secrets = await SecretsManagerStandIn.start();
  secrets.putSecretString('wll/bench', JSON.stringify({ client_id: client.clientId, client_secret: client.clientSecret }));
  const tables = localDynamoDbClient(dynamodb.endpoint);
  const seal = tokenSealFor(client);
  const table = new TableObserver((sealed, pk) => seal.open(sealed, pk));
  const tableProxy = await ObservingProxy.start(dynamodb.endpoint, table.observe);
  const issuerRequests: number[] = [];
  const issuerProxy = await ObservingProxy.start(wll.url, ({ arrivedAt }) => issuerRequests.push(arrivedAt));

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
        WLL_TOKEN_URL: `${issuerProxy.endpoint}/oauth/token`,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'AKIDBENCH',
        AWS_SECRET_ACCESS_KEY: 'benchSecretKey',
        AWS_ENDPOINT_URL_DYNAMODB: tableProxy.endpoint,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        POWERTOOLS_METRICS_DISABLED: 'true',
        ...overrides,
      };
    },
    watch() {
      const from = { requests: issuerRequests.length, minted: wll.issued.length, stored: table.stored.length, backoffs: table.backoffs.length };
      return {
        collect: () => ({
          // The proxy reports a request once it is answered: put them back in arrival order.
          issuerRequests: issuerRequests.slice(from.requests).sort((a, b) => a - b),
          minted: wll.issued.slice(from.minted).map(({ accessToken }) => mintedToken(accessToken)),
          stored: new Set(table.stored.slice(from.stored).map((event) => event.tokenSha256)),
          backoffs: table.backoffs.slice(from.backoffs),
        }),
      };
    },
    async close() {
      tables.destroy();
      await Promise.all([tableProxy.close(), issuerProxy.close()]);
      await Promise.all([wll.close(), secrets.close(), dynamodb.stop()]);
    },
  };
}

/** The stand-in's JWTs carry `iat` and `exp`; the benchmark reads them to draw each token's life. */
function mintedToken(accessToken: string): MintedToken {
  const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iat?: number; exp?: number };
  return { tokenSha256: sha256(accessToken), issuedAtMs: (claims.iat ?? 0) * 1000, expiresAtMs: (claims.exp ?? 0) * 1000 };
}

/** Bundles lambda/handler.ts with the options the CDK construct uses (minified, SDK inside). */
/** The handler exactly as the construct deploys it: the same bundling module, the same options. */
function bundleHandler(): string {
  return bundleFunction(path.join(__dirname, '.build')).file;
}
