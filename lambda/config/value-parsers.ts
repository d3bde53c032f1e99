import { ConfigurationError } from '../core/errors';

/**
 * Validators for the values of one credential set, shared by the section 1 variables
 * (CONTRACT section 1) and the sets of `CREDENTIAL_SETS` (section 8). `what` names where
 * the value came from (a variable, or a set's key), so every message names it.
 */

/** WLL's token endpoints by region (WLL-TOKEN-ENDPOINT.md); `me` is the GCC region. */
export const WLL_TOKEN_ENDPOINTS = {
  eu: 'https://auth.wlloyalty.net/oauth/token',
  us: 'https://auth.us.wlloyalty.net/oauth/token',
  me: 'https://auth.me.wlloyalty.net/oauth/token',
} as const;

export type WllRegion = keyof typeof WLL_TOKEN_ENDPOINTS;

export const DEFAULT_AUDIENCE = 'wlloyalty.net';

export function parseRegion(what: string, value: string): WllRegion {
  const region = value.toLowerCase();
  if (!Object.hasOwn(WLL_TOKEN_ENDPOINTS, region)) {
    throw new ConfigurationError(`${what} is '${clip(value)}': accepted values are eu, us and me (GCC).`);
  }
  return region as WllRegion;
}

// Audiences are hostnames or URLs: printable ASCII without spaces or commas.
const AUDIENCE_PATTERN = /^[\x21-\x2b\x2d-\x7e]{1,255}$/;

export function parseAudience(what: string, value: string): string {
  if (!AUDIENCE_PATTERN.test(value)) {
    throw new ConfigurationError(
      `${what} has an invalid audience '${clip(value)}': use a host name such as wlloyalty.net, ` +
        'staging.wlloyalty.net or production.wlloyalty.net (printable characters, no spaces or commas).',
    );
  }
  return value;
}

/** A de-duplicated, non-empty list of valid audiences that includes the default one. */
export function checkAllowedAudiences(what: { list: string; audience: string }, audiences: readonly string[], defaultAudience: string): string[] {
  const unique = [...new Set(audiences)];
  if (unique.length === 0) {
    throw new ConfigurationError(`${what.list} lists no audience: give at least ${what.audience}, or leave it out.`);
  }
  unique.forEach((audience) => parseAudience(what.list, audience));
  if (!unique.includes(defaultAudience)) {
    throw new ConfigurationError(
      `${what.list} (${clip(unique.join(', '), 200)}) does not include ${what.audience} '${defaultAudience}': ` +
        `add it to the list, or change ${what.audience} to one of them.`,
    );
  }
  return unique;
}

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

export function parseTokenUrl(what: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(
      `${what} is not a valid URL: use a full URL such as ${WLL_TOKEN_ENDPOINTS.eu}, or leave it out to use the WLL region.`,
    );
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname) || /^127(\.\d{1,3}){3}$/.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigurationError(
      `${what} must use https (plain http is accepted only for a loopback host such as 127.0.0.1); got ${clip(`${url.protocol}//${url.host}`, 80)}.`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigurationError(`${what} must not carry a user name or password: the credentials come from the secret.`);
  }
  return url.toString();
}

export function parseSecretId(what: string, value: string): string {
  if (value.length > 2048) {
    throw new ConfigurationError(`${what} is longer than 2048 characters: give the secret name or ARN.`);
  }
  return value;
}

/** Echoes a bad value back shortened, so a pasted secret could not fill a log line. */
export function clip(value: string, max = 32): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > max ? `${printable.slice(0, max)}...` : printable;
}
