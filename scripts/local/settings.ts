import { loadConfig, type Config } from '../../lambda/config/load-config';
import { StartError } from './start-error';
import { readSetsRequest } from './start-sets';

export { StartError };

export const DEFAULT_PORT = 3000;
export const LOCAL_TABLE_NAME = 'wll-token-vendor-local';
export const LOCAL_SECRET_NAME = 'wll-token-vendor/local-credentials';

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** What `npm start` was asked for, read from its environment and checked before anything starts. */
export interface StartSettings {
  /** 0: any free port. */
  readonly port: number;
  /** WLL client credentials; none: the local stand-in issuer. */
  readonly credentials?: ClientCredentials;
  /**
   * The function's configuration as the handler will read it (section 1 variables pass through), with
   * its credential sets: `default` (unless --no-default-set) and those of --sets or CREDENTIAL_SETS.
   */
  readonly config: Config;
  readonly tableName: string;
  /** A DynamoDB to use instead of starting DynamoDB Local. */
  readonly dynamoDbEndpoint?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** `argv`: the options after `npm start --` (`--sets`, `--no-default-set`). */
export function readStartSettings(env: Env, argv: readonly string[] = []): StartSettings {
  const port = parsePort(env.PORT);
  const credentials = readCredentials(env);
  const tableName = value(env.TOKEN_TABLE_NAME) ?? LOCAL_TABLE_NAME;
  const sets = readSetsRequest(argv, env, { audience: env.WLL_AUDIENCE, allowed: env.WLL_ALLOWED_AUDIENCES });
  if (credentials && sets.credentialSets !== undefined) {
    throw new StartError(
      'Credential sets under npm start get their tokens from the local stand-in issuer, each with credentials of its own: ' +
        'unset WLL_CLIENT_ID and WLL_CLIENT_SECRET, or leave out --sets and CREDENTIAL_SETS to get real tokens for the default set.',
    );
  }
  let config: Config;
  try {
    config = loadConfig({
      ...env,
      CREDENTIALS_SECRET_ID: sets.withDefault ? LOCAL_SECRET_NAME : undefined,
      CREDENTIAL_SETS: sets.credentialSets,
      TOKEN_TABLE_NAME: tableName,
      // The stand-in issuer replaces any token URL.
      WLL_TOKEN_URL: credentials ? env.WLL_TOKEN_URL : undefined,
    });
  } catch (error) {
    throw new StartError((error as Error).message);
  }
  return { port, credentials, config, tableName, dynamoDbEndpoint: value(env.AWS_ENDPOINT_URL_DYNAMODB) };
}

function parsePort(raw: string | undefined): number {
  const text = value(raw);
  if (text === undefined) return DEFAULT_PORT;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65_535)) {
    throw new StartError(`PORT is '${text.slice(0, 16)}': use a port number from 1 to 65535, or 0 for any free port.`);
  }
  return port;
}

function readCredentials(env: Env): ClientCredentials | undefined {
  const clientId = value(env.WLL_CLIENT_ID);
  const clientSecret = value(env.WLL_CLIENT_SECRET);
  if (clientId === undefined && clientSecret === undefined) return undefined;
  if (clientId === undefined || clientSecret === undefined) {
    const [set, unset] = clientId === undefined ? ['WLL_CLIENT_SECRET', 'WLL_CLIENT_ID'] : ['WLL_CLIENT_ID', 'WLL_CLIENT_SECRET'];
    throw new StartError(`${set} is set but ${unset} is not: set both for tokens from WLL, or neither for the local stand-in issuer.`);
  }
  return { clientId, clientSecret };
}

function value(raw: string | undefined): string | undefined {
  const text = raw?.trim();
  return text === '' ? undefined : text;
}
