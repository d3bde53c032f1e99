import { randomBytes, randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTokenTable, localDynamoDbClient } from './dynamodb-local';
import type { Handler } from './lambda-runtime';
import { SecretsManagerStandIn } from './secrets-manager-stand-in';
import { WllStandIn, type StandInClient } from './wll-stand-in';

/**
 * Everything an integration test needs around the real handler: DynamoDB Local
 * (started once by the jest global setup) with a fresh table, the WLL and Secrets
 * Manager stand-ins, and the environment a deployed function would have.
 */
export interface Harness {
  readonly wll: WllStandIn;
  readonly secrets: SecretsManagerStandIn;
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly secretName: string;
  readonly client: StandInClient;
  /** The function's environment; tests may change it before loading a handler. */
  readonly env: Record<string, string>;
  /** A new module instance of lambda/handler.ts: what a fresh container runs. */
  loadHandler(overrides?: Record<string, string | undefined>): Handler;
  /** Stores credentials as the operator would with put-secret-value. */
  putCredentials(client: Pick<StandInClient, 'clientId' | 'clientSecret'>): void;
  close(): Promise<void>;
}

/** The environment before any test changed it: each handler starts from it, so overrides never leak. */
const baseline = { ...process.env };

export const AUDIENCES = ['wlloyalty.net', 'staging.wlloyalty.net', 'production.wlloyalty.net'] as const;

/** Credentials unlike any other test's, so a leak check can recognise them. */
export function newClient(audiences: readonly string[] = AUDIENCES): StandInClient {
  return {
    clientId: `client-${randomUUID().slice(0, 8)}`,
    clientSecret: `secret-${randomBytes(24).toString('base64url')}`,
    audiences,
  };
}

/** The stand-ins every tier starts for a function: WLL, Secrets Manager holding fresh credentials, a new table. */
export interface StandIns {
  readonly client: StandInClient;
  readonly wll: WllStandIn;
  readonly secrets: SecretsManagerStandIn;
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly secretName: string;
  putCredentials(client: Pick<StandInClient, 'clientId' | 'clientSecret'>): void;
  /** The function settings of CONTRACT section 1 that point at these stand-ins. */
  readonly functionEnv: Record<string, string>;
}

export async function startStandIns(options: { wllDelayMs?: number } = {}): Promise<StandIns> {
  const endpoint = process.env.TEST_DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('TEST_DYNAMODB_ENDPOINT is not set: run these tests through jest (its global setup starts DynamoDB Local).');
  const client = newClient();
  const wll = await WllStandIn.start({ clients: [client], delayMs: options.wllDelayMs });
  const secrets = await SecretsManagerStandIn.start();
  const dynamodb = localDynamoDbClient(endpoint);
  const tableName = `tokens-${randomUUID()}`;
  await createTokenTable(dynamodb, tableName);
  const secretName = `wll/credentials-${randomUUID().slice(0, 8)}`;
  const putCredentials = (c: Pick<StandInClient, 'clientId' | 'clientSecret'>) =>
    secrets.putSecretString(secretName, JSON.stringify({ client_id: c.clientId, client_secret: c.clientSecret }));
  putCredentials(client);
  const functionEnv = {
    CREDENTIALS_SECRET_ID: secretName,
    TOKEN_TABLE_NAME: tableName,
    WLL_TOKEN_URL: wll.url,
    WLL_AUDIENCE: 'wlloyalty.net',
    WLL_ALLOWED_AUDIENCES: AUDIENCES.join(','),
  };
  return { client, wll, secrets, dynamodb, tableName, secretName, putCredentials, functionEnv };
}

export async function startHarness(options: { delayMs?: number } = {}): Promise<Harness> {
  const { client, wll, secrets, dynamodb, tableName, secretName, putCredentials, functionEnv } = await startStandIns({ wllDelayMs: options.delayMs });
  const env: Record<string, string> = {
    ...functionEnv,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
    AWS_SECRET_ACCESS_KEY: 'localTestSecretKey',
    AWS_ENDPOINT_URL_DYNAMODB: process.env.TEST_DYNAMODB_ENDPOINT!,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    POWERTOOLS_SERVICE_NAME: 'wll-token-vendor-test',
  };

  return {
    wll,
    secrets,
    dynamodb,
    tableName,
    secretName,
    client,
    env,
    putCredentials,
    loadHandler(overrides = {}) {
      for (const name of Object.keys(process.env)) if (!(name in baseline)) delete process.env[name];
      for (const [name, value] of Object.entries({ ...baseline, ...env, ...overrides })) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      let handler: Handler | undefined;
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        handler = (require('../../lambda/handler') as { handler: Handler }).handler;
      });
      return handler as Handler;
    },
    async close() {
      dynamodb.destroy();
      await Promise.all([wll.close(), secrets.close()]);
    },
  };
}
