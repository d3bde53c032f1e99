/**
 * The secret's format (CONTRACT section 2): parses a `SecretString` into client credentials, with
 * errors that name the problem and never the value, and the placeholder a created secret holds.
 */
import { CredentialsError } from '../core/errors';

/** WLL client credentials, as read from the secret (CONTRACT.md section 2). */
export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

/**
 * The value a stack gives a secret it creates itself. `client_id` is empty, so the
 * function can never use it; the `placeholder` key lets it say "not set yet" rather
 * than "malformed". The CDK construct generates `client_secret` into this template.
 */
export const PLACEHOLDER_SECRET_TEMPLATE = {
  client_id: '',
  placeholder: 'Replace this whole value with {"client_id": "...", "client_secret": "..."}',
} as const;

/**
 * The secret still holds the placeholder its stack wrote: the set is not set up yet, which is
 * an operator's next step, not a fault (the scheduled refresh reports it apart from failures).
 * Callers see a CredentialsError like any other.
 */
export class CredentialsNotSetUpError extends CredentialsError {
  constructor(secretId: string) {
    super('unavailable', `WLL client credentials not set yet in secret ${secretId}: put them with ${putSecretCommand(secretId)}`);
  }
}

/** The command an operator runs to fill the secret; quoted in error messages and the docs. */
export function putSecretCommand(secretId: string): string {
  return (
    `aws secretsmanager put-secret-value --secret-id ${secretId} ` +
    `--secret-string '{"client_id":"<id>","client_secret":"<secret>"}'`
  );
}

/**
 * Parses the `SecretString`. Errors name the problem and the secret, never the
 * value: note that JSON.parse's own message quotes the input, so it is dropped.
 */
export function parseCredentialsSecret(secretString: string, secretId: string): ClientCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw unusable(secretId, 'is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw unusable(secretId, 'is not a JSON object');
  }
  const fields = parsed as Record<string, unknown>;
  if ('placeholder' in fields && isBlank(fields.client_id)) throw new CredentialsNotSetUpError(secretId);
  return { clientId: requireKey(fields, 'client_id', secretId), clientSecret: requireKey(fields, 'client_secret', secretId) };
}

function requireKey(fields: Record<string, unknown>, key: string, secretId: string): string {
  const value = fields[key];
  if (value === undefined) throw unusable(secretId, `has no "${key}" key`);
  if (typeof value !== 'string') throw unusable(secretId, `has a "${key}" that is not a string`);
  if (value.trim() === '') throw unusable(secretId, `has an empty "${key}"`);
  return value;
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function unusable(secretId: string, problem: string): CredentialsError {
  return new CredentialsError(
    'unavailable',
    `Secret ${secretId} ${problem}: it must hold {"client_id": "...", "client_secret": "..."} ` +
      `with both values non-empty strings. Fix it with ${putSecretCommand(secretId)}`,
  );
}
