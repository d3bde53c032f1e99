import { randomBytes, randomUUID } from 'node:crypto';
import { createTokenTable, javaAvailable, localDynamoDbClient, startDynamoDbLocal } from '../../test/support/dynamodb-local';
import { SecretsManagerStandIn } from '../../test/support/secrets-manager-stand-in';
import { WllStandIn } from '../../test/support/wll-stand-in';
import { DEFAULT_SET_NAME } from '../../lambda/config/credential-sets';
import { LOCAL_SECRET_NAME, StartError, type ClientCredentials, type StartSettings } from './settings';
import { handlerCredentialSets } from './start-sets';

/**
 * What the handler talks to under `npm start`: DynamoDB Local with the token table,
 * the Secrets Manager stand-in holding the credentials, and (without credentials)
 * the WLL stand-in issuer, with a client of its own for every credential set. All on
 * loopback; `stop` ends everything it started.
 */
export interface LocalServices {
  /** The variables the handler needs on top of the user's (section 1 variables pass through). */
  readonly handlerEnv: Readonly<Record<string, string>>;
  readonly issuer: { readonly standIn: boolean; readonly tokenUrl: string; readonly clientId: string };
  readonly dynamodb: { readonly endpoint: string; readonly startedHere: boolean; readonly tableName: string };
  stop(): Promise<void>;
}

export const JAVA_MISSING =
  'DynamoDB Local (the local token cache) needs Java 17 or later, and `java` was not found on the PATH. Install it ' +
  '(Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless; macOS: brew install openjdk@17), ' +
  'or point AWS_ENDPOINT_URL_DYNAMODB at a DynamoDB you already run, and try again.';

export async function startLocalServices(settings: StartSettings): Promise<LocalServices> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    // In reverse order, each whatever happens to the others.
    for (const stopOne of stops.splice(0).reverse()) await stopOne().catch(() => undefined);
  };
  try {
    const dynamodb = await startDynamoDb(settings, stops);
    const secrets = await SecretsManagerStandIn.start();
    stops.push(() => secrets.close());

    const { credentialSets } = settings.config;
    const named = credentialSets.filter((set) => set.name !== DEFAULT_SET_NAME);
    const withDefault = credentialSets.length > named.length;
    let issuer: LocalServices['issuer'];
    const given = settings.credentials;
    if (given) {
      // Real credentials serve the default set alone (settings.ts refuses them with sets).
      issuer = { standIn: false, tokenUrl: settings.config.tokenUrl, clientId: given.clientId };
      storeCredentials(secrets, LOCAL_SECRET_NAME, given);
    } else {
      // Every set gets credentials of its own, known to the stand-in issuer for the set's audiences.
      const clients = credentialSets.map((set) => ({
        set,
        clientId: `local-${set.name}-${randomUUID().slice(0, 8)}`,
        clientSecret: randomBytes(24).toString('base64url'),
        audiences: set.allowedAudiences,
      }));
      const wll = await WllStandIn.start({ clients });
      stops.push(() => wll.close());
      for (const client of clients) storeCredentials(secrets, client.set.credentialsSecretId, client);
      issuer = { standIn: true, tokenUrl: wll.url, clientId: clients[0]!.clientId };
    }

    const handlerEnv: Record<string, string> = {
      ...(withDefault ? { CREDENTIALS_SECRET_ID: LOCAL_SECRET_NAME } : {}),
      ...(named.length > 0 ? { CREDENTIAL_SETS: handlerCredentialSets(named, issuer.tokenUrl) } : {}),
      TOKEN_TABLE_NAME: settings.tableName,
      ...(issuer.standIn ? { WLL_TOKEN_URL: issuer.tokenUrl } : {}),
      // The handler's AWS calls go to the local services only, with dummy credentials
      // (DynamoDB Local accepts letters and digits), never the user's own.
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
      AWS_SECRET_ACCESS_KEY: 'localTestSecretKey',
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      POWERTOOLS_SERVICE_NAME: 'wll-token-vendor-local',
      // CloudWatch metrics mean nothing here; the logs stay.
      POWERTOOLS_METRICS_DISABLED: 'true',
    };
    return { handlerEnv, issuer, dynamodb, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function storeCredentials(secrets: SecretsManagerStandIn, secretId: string, credentials: ClientCredentials): void {
  secrets.putSecretString(secretId, JSON.stringify({ client_id: credentials.clientId, client_secret: credentials.clientSecret }));
}

async function startDynamoDb(settings: StartSettings, stops: (() => Promise<void>)[]): Promise<LocalServices['dynamodb']> {
  let endpoint = settings.dynamoDbEndpoint;
  const startedHere = endpoint === undefined;
  if (endpoint === undefined) {
    if (!javaAvailable()) throw new StartError(JAVA_MISSING);
    const local = await startDynamoDbLocal();
    stops.push(() => local.stop());
    endpoint = local.endpoint;
  }
  const client = localDynamoDbClient(endpoint);
  try {
    await createTokenTable(client, settings.tableName);
  } catch (error) {
    // A DynamoDB given by the user may have the table already: it is a cache, reuse it.
    if ((error as Error).name !== 'ResourceInUseException') {
      throw new StartError(`Could not create the token table ${settings.tableName} at ${endpoint}: ${(error as Error).message}`);
    }
  } finally {
    client.destroy();
  }
  return { endpoint, startedHere, tableName: settings.tableName };
}
