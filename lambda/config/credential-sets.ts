/**
 * `CREDENTIAL_SETS` (CONTRACT section 8): several WLL clients in one deployment. Parses the
 * variable into credential sets and owns the rules for their names and number, which the
 * construct reads from here and the clients copy (a unit test keeps the copies equal).
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
import { ConfigurationError } from '../core/errors';

/**
 * A credential set (CONTRACT section 8): one WLL client, with its secret, its token
 * endpoint and its audiences. The field names are those the token service and the
 * audience check read, so a set is handed to them as it is.
 */
export interface CredentialSet {
  /** `default` for the set of the section 1 variables, else its key in CREDENTIAL_SETS. */
  readonly name: string;
  readonly credentialsSecretId: string;
  readonly wllRegion: WllRegion;
  readonly tokenUrl: string;
  readonly defaultAudience: string;
  readonly allowedAudiences: readonly string[];
}

export const DEFAULT_SET_NAME = 'default';
export const MAX_CREDENTIAL_SETS = 50;
/** A set's name is also its Lambda alias and a path segment: short, lowercase, never all digits. */
export const SET_NAME_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

const SET_KEYS = ['secretId', 'wllRegion', 'tokenUrl', 'audience', 'allowedAudiences'];
const VARIABLE = 'CREDENTIAL_SETS';
/**
 * Optional: a set without `secretId` reads the secret named `<prefix><set name>`. The construct
 * names the secrets it creates so, which keeps CREDENTIAL_SETS within Lambda's 4 KB environment:
 * a secret's ARN is about 140 bytes, a set's name at most 40.
 */
export const SECRET_PREFIX_VARIABLE = 'CREDENTIAL_SETS_SECRET_PREFIX';
const EXAMPLE = '{"eu-prod": {"secretId": "wll/eu-prod", "wllRegion": "eu"}}';

/**
 * Parses `CREDENTIAL_SETS`: a JSON object from set name to settings. Every problem is a
 * ConfigurationError naming the set and the key; values are echoed back clipped.
 */
export function parseCredentialSets(value: string | undefined, secretPrefix?: string): CredentialSet[] {
  if (value === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    // JSON.parse's own message quotes the input: say where, not what.
    throw new ConfigurationError(`${VARIABLE} is not valid JSON: give a JSON object such as ${EXAMPLE}.`);
  }
  if (!isPlainObject(parsed)) {
    throw new ConfigurationError(`${VARIABLE} must be a JSON object from set name to settings, such as ${EXAMPLE}.`);
  }
  const names = Object.keys(parsed);
  if (names.length > MAX_CREDENTIAL_SETS) {
    throw new ConfigurationError(`${VARIABLE} names ${names.length} sets: at most ${MAX_CREDENTIAL_SETS} are allowed.`);
  }
  return names.map((name) => Object.freeze(parseSet(name, parsed[name], secretPrefix)));
}

function parseSet(name: string, settings: unknown, secretPrefix: string | undefined): CredentialSet {
  if (!SET_NAME_PATTERN.test(name) || name === DEFAULT_SET_NAME) {
    throw new ConfigurationError(
      `${VARIABLE} names a set '${clip(name, 48)}': a set name is 1 to 40 lowercase letters, digits or '-', starting with a letter, ` +
        `and not '${DEFAULT_SET_NAME}' (the section 1 variables describe the default set).`,
    );
  }
  const where = `${VARIABLE} set '${name}'`;
  if (!isPlainObject(settings)) {
    throw new ConfigurationError(`${where} must be a JSON object such as {"secretId": "wll/${name}"}.`);
  }
  const unknown = Object.keys(settings).find((key) => !SET_KEYS.includes(key));
  if (unknown !== undefined) {
    throw new ConfigurationError(`${where} has an unknown key '${clip(unknown, 48)}': the keys are ${SET_KEYS.join(', ')}.`);
  }
  const key = (k: string) => `${where} key ${k}`;
  const secretId = text(key('secretId'), settings.secretId) ?? (secretPrefix === undefined ? undefined : `${secretPrefix}${name}`);
  if (secretId === undefined) {
    throw new ConfigurationError(
      `${key('secretId')} is missing: give the name or ARN of the set's Secrets Manager secret (or set ${SECRET_PREFIX_VARIABLE}, for secrets named <prefix>${name}).`,
    );
  }
  const region = text(key('wllRegion'), settings.wllRegion);
  const wllRegion = parseRegion(key('wllRegion'), region ?? 'eu');
  const tokenUrl = text(key('tokenUrl'), settings.tokenUrl);
  const defaultAudience = parseAudience(key('audience'), text(key('audience'), settings.audience) ?? DEFAULT_AUDIENCE);
  return {
    name,
    credentialsSecretId: parseSecretId(key('secretId'), secretId),
    wllRegion,
    tokenUrl: tokenUrl === undefined ? WLL_TOKEN_ENDPOINTS[wllRegion] : parseTokenUrl(key('tokenUrl'), tokenUrl),
    defaultAudience,
    allowedAudiences: Object.freeze(allowedAudiences(key, settings.allowedAudiences, defaultAudience)),
  };
}

function allowedAudiences(key: (k: string) => string, value: unknown, defaultAudience: string): string[] {
  if (value === undefined) return [defaultAudience];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new ConfigurationError(`${key('allowedAudiences')} must be a JSON array of audiences, such as ["${defaultAudience}"].`);
  }
  return checkAllowedAudiences({ list: key('allowedAudiences'), audience: key('audience') }, value as string[], defaultAudience);
}

/** A non-empty string, or undefined when the key is absent; anything else is an error. */
function text(what: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new ConfigurationError(`${what} must be a non-empty string.`);
  return value.trim();
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
