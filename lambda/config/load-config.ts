/**
 * The function's environment (CONTRACT sections 1 and 8) turned into one typed, frozen `Config`,
 * once per container. Every bad value is a `ConfigurationError` naming the variable and what it
 * accepts; the limits the construct also checks are exported from here.
 */
import {
  checkAllowedAudiences,
  clip,
  DEFAULT_AUDIENCE,
  parseAudience,
  parseRegion,
  parseSecretId,
  parseTokenUrl,
  WLL_TOKEN_ENDPOINTS,
  type WllRegion,
} from './value-parsers';
import { CLOCK_SKEW_TOLERANCE_MS } from '../core/clock-skew';
import { DEFAULT_SET_NAME, parseCredentialSets, SECRET_PREFIX_VARIABLE, type CredentialSet } from './credential-sets';
import { ConfigurationError } from '../core/errors';
import { DEFAULT_RETRY_POLICY } from '../issuer/retry-policy';

export { DEFAULT_AUDIENCE, WLL_TOKEN_ENDPOINTS, type WllRegion };
export type { CredentialSet };

export const DEFAULT_REFRESH_MARGIN_SECONDS = 300;
/** WLL tokens live 24 hours; a margin of a whole lifetime would make every token unusable. */
export const MAX_REFRESH_MARGIN_SECONDS = 86_399;

export const DEFAULT_LEASE_SECONDS = 15;
/**
 * The holder's issuer request (12 s budget) must fit in its lease less the 2 s the holder keeps
 * for clock skew (lambda/core/clock-skew.ts), or another container would ask while it is still
 * waiting; and a lease longer than the function's 20 s timeout would keep others waiting for a
 * holder Lambda has already stopped.
 */
export const MIN_LEASE_SECONDS = (DEFAULT_RETRY_POLICY.budgetMs + CLOCK_SKEW_TOLERANCE_MS) / 1000;
export const MAX_LEASE_SECONDS = 20;
export const DEFAULT_REFRESH_AHEAD_RATIO = 0.25;
/** CONTRACT section 2: a container keeps the secret in memory for at most 5 minutes. */
export const MAX_CREDENTIALS_AGE_SECONDS = 300;
export const MAX_REFRESH_AHEAD_RATIO = 0.9;

/** The function's settings (CONTRACT.md section 1), parsed once per container. */
export interface Config {
  /** Undefined when CREDENTIAL_SETS names sets and CREDENTIALS_SECRET_ID is unset: then there is no `default` set. */
  readonly credentialsSecretId?: string;
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
  /**
   * Every credential set (CONTRACT section 8): `default` first when there is one (the
   * section 1 values above), then those of CREDENTIAL_SETS in their order.
   */
  readonly credentialSets: readonly CredentialSet[];
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and validates the configuration. Throws a `ConfigurationError` naming the
 * variable and the accepted values; an empty variable counts as unset.
 */
export function loadConfig(env: Env): Config {
  const wllRegion = parseRegion('WLL_REGION', read(env, 'WLL_REGION') ?? 'eu');
  const defaultAudience = parseAudience('WLL_AUDIENCE', read(env, 'WLL_AUDIENCE') ?? DEFAULT_AUDIENCE);
  const named = parseCredentialSets(read(env, 'CREDENTIAL_SETS'), read(env, SECRET_PREFIX_VARIABLE));
  // With named sets, the section 1 secret is optional: without it there is no default set.
  const secretId = named.length > 0 ? read(env, 'CREDENTIALS_SECRET_ID') : required(env, 'CREDENTIALS_SECRET_ID');
  const section1 = {
    credentialsSecretId: secretId === undefined ? undefined : parseSecretId('CREDENTIALS_SECRET_ID', secretId),
    wllRegion,
    tokenUrl: parseTokenUrl('WLL_TOKEN_URL', read(env, 'WLL_TOKEN_URL') ?? WLL_TOKEN_ENDPOINTS[wllRegion]),
    defaultAudience,
    allowedAudiences: Object.freeze(parseAllowedAudiences(read(env, 'WLL_ALLOWED_AUDIENCES'), defaultAudience)),
  };
  const { credentialsSecretId } = section1;
  const defaultSet = credentialsSecretId === undefined ? [] : [Object.freeze({ ...section1, name: DEFAULT_SET_NAME, credentialsSecretId })];
  const config: Config = {
    ...section1,
    tokenTableName: parseTableName(required(env, 'TOKEN_TABLE_NAME')),
    refreshMarginSeconds: parseWholeSeconds(env, 'TOKEN_REFRESH_MARGIN_SECONDS', DEFAULT_REFRESH_MARGIN_SECONDS, MAX_REFRESH_MARGIN_SECONDS),
    leaseSeconds: parseLeaseSeconds(read(env, 'TOKEN_LEASE_SECONDS')),
    refreshAheadRatio: parseRatio(read(env, 'TOKEN_REFRESH_AHEAD_RATIO')),
    credentialsMaxAgeSeconds: parseCredentialsMaxAge(read(env, 'CREDENTIALS_MAX_AGE_SECONDS')),
    credentialSets: Object.freeze([...defaultSet, ...named]),
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

function parseAllowedAudiences(value: string | undefined, defaultAudience: string): string[] {
  if (value === undefined) return [defaultAudience];
  const audiences = value.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (audiences.length === 0) {
    throw new ConfigurationError('WLL_ALLOWED_AUDIENCES lists no audience: give a comma-separated list, or unset it.');
  }
  return checkAllowedAudiences({ list: 'WLL_ALLOWED_AUDIENCES', audience: 'WLL_AUDIENCE' }, audiences, defaultAudience);
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
        `${MIN_LEASE_SECONDS} (the issuer's 12 s budget and 2 s for clock skew) to ${MAX_LEASE_SECONDS} (the function's timeout); default ${DEFAULT_LEASE_SECONDS}.`,
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
