import { ConfigurationError } from './errors';

/** WLL's token endpoints by region (WLL-TOKEN-ENDPOINT.md); `me` is the GCC region. */
export const WLL_TOKEN_ENDPOINTS = {
  eu: 'https://auth.wlloyalty.net/oauth/token',
  us: 'https://auth.us.wlloyalty.net/oauth/token',
  me: 'https://auth.me.wlloyalty.net/oauth/token',
} as const;

export type WllRegion = keyof typeof WLL_TOKEN_ENDPOINTS;

export const DEFAULT_AUDIENCE = 'wlloyalty.net';
export const DEFAULT_REFRESH_MARGIN_SECONDS = 300;
/** WLL tokens live 24 hours; a margin of a whole lifetime would make every token unusable. */
export const MAX_REFRESH_MARGIN_SECONDS = 86_399;

export const DEFAULT_LEASE_SECONDS = 15;
/**
 * The holder's issuer request (12 s budget) must fit in its lease, or another container
 * would ask while it is still waiting; and a lease longer than the function's 20 s timeout
 * would keep others waiting for a holder Lambda has already stopped.
 */
export const MIN_LEASE_SECONDS = 12;
export const MAX_LEASE_SECONDS = 20;
export const DEFAULT_REFRESH_AHEAD_RATIO = 0.25;
/** CONTRACT section 2: a container keeps the secret in memory for at most 5 minutes. */
export const MAX_CREDENTIALS_AGE_SECONDS = 300;
export const MAX_REFRESH_AHEAD_RATIO = 0.9;

/** The function's settings (CONTRACT.md section 1), parsed once per container. */
export interface Config {
  readonly credentialsSecretId: string;
  readonly tokenTableName: string;
  readonly wllRegion: WllRegion;
  readonly tokenUrl: string;
  readonly defaultAudience: string;
  readonly allowedAudiences: readonly string[];
  readonly refreshMarginSeconds: number;
  /** How long a container may hold the refresh lease; 0 turns the cross-container lease off. */
  readonly leaseSeconds: number;
  /** Share of a token's lifetime, at its end, in which it is refreshed ahead; 0 turns that off. */
  readonly refreshAheadRatio: number;
  /** How long a container keeps the secret before reading it again (CONTRACT section 2: at most 5 minutes). */
  readonly credentialsMaxAgeSeconds: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and validates the configuration. Throws a `ConfigurationError` naming the
 * variable and the accepted values; an empty variable counts as unset.
 */
export function loadConfig(env: Env): Config {
  const wllRegion = parseRegion(read(env, 'WLL_REGION') ?? 'eu');
  const defaultAudience = parseAudience('WLL_AUDIENCE', read(env, 'WLL_AUDIENCE') ?? DEFAULT_AUDIENCE);
  const config: Config = {
    credentialsSecretId: parseSecretId(required(env, 'CREDENTIALS_SECRET_ID')),
    tokenTableName: parseTableName(required(env, 'TOKEN_TABLE_NAME')),
    wllRegion,
    tokenUrl: parseTokenUrl(read(env, 'WLL_TOKEN_URL') ?? WLL_TOKEN_ENDPOINTS[wllRegion]),
    defaultAudience,
    allowedAudiences: Object.freeze(parseAllowedAudiences(read(env, 'WLL_ALLOWED_AUDIENCES'), defaultAudience)),
    refreshMarginSeconds: parseWholeSeconds(env, 'TOKEN_REFRESH_MARGIN_SECONDS', DEFAULT_REFRESH_MARGIN_SECONDS, MAX_REFRESH_MARGIN_SECONDS),
    leaseSeconds: parseLeaseSeconds(read(env, 'TOKEN_LEASE_SECONDS')),
    refreshAheadRatio: parseRatio(read(env, 'TOKEN_REFRESH_AHEAD_RATIO')),
    credentialsMaxAgeSeconds: parseCredentialsMaxAge(read(env, 'CREDENTIALS_MAX_AGE_SECONDS')),
  };
  return Object.freeze(config);
}

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function required(env: Env, name: string): string {
  const value = read(env, name);
  if (value === undefined) {
    throw new ConfigurationError(`${name} is not set: set it to ${REQUIRED_HINTS[name] ?? 'a value'}.`);
  }
  return value;
}

const REQUIRED_HINTS: Record<string, string> = {
  CREDENTIALS_SECRET_ID: 'the name or ARN of the Secrets Manager secret holding the WLL client credentials',
  TOKEN_TABLE_NAME: 'the name of the DynamoDB table used as the token cache',
};

function parseRegion(value: string): WllRegion {
  const region = value.toLowerCase();
  if (!Object.hasOwn(WLL_TOKEN_ENDPOINTS, region)) {
    throw new ConfigurationError(`WLL_REGION is '${clip(value)}': accepted values are eu, us and me (GCC).`);
  }
  return region as WllRegion;
}

// Audiences are hostnames or URLs: printable ASCII without spaces or commas.
const AUDIENCE_PATTERN = /^[\x21-\x2b\x2d-\x7e]{1,255}$/;

function parseAudience(variable: string, value: string): string {
  if (!AUDIENCE_PATTERN.test(value)) {
    throw new ConfigurationError(
      `${variable} has an invalid audience '${clip(value)}': use a host name such as wlloyalty.net, ` +
        'staging.wlloyalty.net or production.wlloyalty.net (printable characters, no spaces or commas).',
    );
  }
  return value;
}

function parseAllowedAudiences(value: string | undefined, defaultAudience: string): string[] {
  if (value === undefined) return [defaultAudience];
  const audiences = [...new Set(value.split(',').map((item) => item.trim()).filter((item) => item !== ''))];
  if (audiences.length === 0) {
    throw new ConfigurationError('WLL_ALLOWED_AUDIENCES lists no audience: give a comma-separated list, or unset it.');
  }
  audiences.forEach((audience) => parseAudience('WLL_ALLOWED_AUDIENCES', audience));
  if (!audiences.includes(defaultAudience)) {
    throw new ConfigurationError(
      `WLL_ALLOWED_AUDIENCES (${audiences.join(', ')}) does not include WLL_AUDIENCE '${defaultAudience}': ` +
        'add it to the list, or change WLL_AUDIENCE to one of them.',
    );
  }
  return audiences;
}

function parseWholeSeconds(env: Env, name: string, fallback: number, max: number): number {
  const value = read(env, name);
  if (value === undefined) return fallback;
  const seconds = /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (!(seconds >= 0 && seconds <= max)) {
    throw new ConfigurationError(`${name} is '${clip(value)}': use a whole number of seconds from 0 to ${max} (default ${fallback}).`);
  }
  return seconds;
}

function parseLeaseSeconds(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LEASE_SECONDS;
  const seconds = /^\d{1,3}$/.test(value) ? Number(value) : NaN;
  if (!(seconds === 0 || (seconds >= MIN_LEASE_SECONDS && seconds <= MAX_LEASE_SECONDS))) {
    throw new ConfigurationError(
      `TOKEN_LEASE_SECONDS is '${clip(value)}': use 0 (no cross-container lease) or a whole number of seconds from ` +
        `${MIN_LEASE_SECONDS} (the issuer's 12 s budget) to ${MAX_LEASE_SECONDS} (the function's timeout); default ${DEFAULT_LEASE_SECONDS}.`,
    );
  }
  return seconds;
}

function parseCredentialsMaxAge(value: string | undefined): number {
  if (value === undefined) return MAX_CREDENTIALS_AGE_SECONDS;
  const seconds = /^\d{1,3}$/.test(value) ? Number(value) : NaN;
  if (!(seconds >= 1 && seconds <= MAX_CREDENTIALS_AGE_SECONDS)) {
    throw new ConfigurationError(
      `CREDENTIALS_MAX_AGE_SECONDS is '${clip(value)}': use a whole number of seconds from 1 to ${MAX_CREDENTIALS_AGE_SECONDS} ` +
        `(default ${MAX_CREDENTIALS_AGE_SECONDS}: a container keeps the secret at most 5 minutes).`,
    );
  }
  return seconds;
}

function parseRatio(value: string | undefined): number {
  if (value === undefined) return DEFAULT_REFRESH_AHEAD_RATIO;
  const ratio = /^\d*\.?\d+$/.test(value) ? Number(value) : NaN;
  if (!(ratio >= 0 && ratio <= MAX_REFRESH_AHEAD_RATIO)) {
    throw new ConfigurationError(
      `TOKEN_REFRESH_AHEAD_RATIO is '${clip(value)}': use a share of the token lifetime from 0 (off) to ` +
        `${MAX_REFRESH_AHEAD_RATIO} (default ${DEFAULT_REFRESH_AHEAD_RATIO}, the last quarter).`,
    );
  }
  return ratio;
}

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

function parseTokenUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(
      `WLL_TOKEN_URL is not a valid URL: use a full URL such as ${WLL_TOKEN_ENDPOINTS.eu}, or unset it to use WLL_REGION.`,
    );
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname) || /^127(\.\d{1,3}){3}$/.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigurationError(
      `WLL_TOKEN_URL must use https (plain http is accepted only for a loopback host such as 127.0.0.1); got ${url.protocol}//${url.host}.`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigurationError('WLL_TOKEN_URL must not carry a user name or password: the credentials come from the secret.');
  }
  return url.toString();
}

function parseSecretId(value: string): string {
  if (value.length > 2048) {
    throw new ConfigurationError('CREDENTIALS_SECRET_ID is longer than 2048 characters: give the secret name or ARN.');
  }
  return value;
}

const TABLE_NAME_PATTERN = /^[A-Za-z0-9_.-]{3,255}$/;
const TABLE_ARN_PATTERN = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}$/;

function parseTableName(value: string): string {
  if (!TABLE_NAME_PATTERN.test(value) && !TABLE_ARN_PATTERN.test(value)) {
    throw new ConfigurationError(
      `TOKEN_TABLE_NAME '${clip(value)}' is not a DynamoDB table name: use 3 to 255 letters, digits, '_', '-' or '.', or the table ARN.`,
    );
  }
  return value;
}

/** Echoes a bad value back shortened, so a pasted secret could not fill a log line. */
function clip(value: string): string {
  return value.length > 32 ? `${value.slice(0, 32)}...` : value;
}
