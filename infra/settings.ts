import { Token } from 'aws-cdk-lib';
import { DEFAULT_AUDIENCE, DEFAULT_REFRESH_MARGIN_SECONDS, loadConfig, type WllRegion } from '../lambda/config/load-config';

/**
 * Synth-time validation of the construct's settings. The function's own settings are
 * checked by the function's own `loadConfig`, so a value the stack accepts is a value
 * the function accepts, with the same words; only the variable names are swapped for
 * the prop / context key names an operator actually typed.
 */

/** The function settings of CONTRACT section 1 that a deployer chooses. */
export interface FunctionSettings {
  readonly wllRegion: WllRegion;
  readonly wllAudience: string;
  readonly allowedAudiences: readonly string[];
  readonly refreshMarginSeconds: number;
}

export interface FunctionSettingsInput {
  readonly wllRegion?: string;
  readonly wllAudience?: string;
  readonly allowedAudiences?: readonly string[];
  readonly refreshMarginSeconds?: number;
}

const KEY_FOR_VARIABLE: Record<string, string> = {
  WLL_REGION: 'wllRegion',
  WLL_AUDIENCE: 'wllAudience',
  WLL_ALLOWED_AUDIENCES: 'allowedAudiences',
  TOKEN_REFRESH_MARGIN_SECONDS: 'refreshMarginSeconds',
};

/** Thrown for any invalid setting; the message names the setting and the accepted values. */
export class TokenVendorSettingsError extends Error {
  override readonly name = 'TokenVendorSettingsError';
  constructor(message: string) {
    super(`Invalid TokenVendor setting: ${message}`);
  }
}

export function validateFunctionSettings(input: FunctionSettingsInput): FunctionSettings {
  const audiences = input.allowedAudiences ?? [];
  // The function reads the list comma-separated: an entry holding a comma would split silently.
  const withComma = audiences.find((audience) => audience.includes(','));
  if (withComma !== undefined) {
    throw new TokenVendorSettingsError(`allowedAudiences has '${clip(withComma)}': give one audience per list entry.`);
  }
  try {
    const config = loadConfig({
      CREDENTIALS_SECRET_ID: 'synth-check',
      TOKEN_TABLE_NAME: 'synth-check',
      WLL_REGION: input.wllRegion ?? 'eu',
      WLL_AUDIENCE: input.wllAudience ?? DEFAULT_AUDIENCE,
      WLL_ALLOWED_AUDIENCES: audiences.join(','),
      TOKEN_REFRESH_MARGIN_SECONDS: String(input.refreshMarginSeconds ?? DEFAULT_REFRESH_MARGIN_SECONDS),
    });
    return {
      wllRegion: config.wllRegion,
      wllAudience: config.defaultAudience,
      allowedAudiences: config.allowedAudiences,
      refreshMarginSeconds: config.refreshMarginSeconds,
    };
  } catch (error) {
    if (error instanceof Error && error.name === 'ConfigurationError') {
      const message = error.message.replace(/\b[A-Z_]+\b/g, (word) => KEY_FOR_VARIABLE[word] ?? word);
      throw new TokenVendorSettingsError(message);
    }
    throw error;
  }
}

/** How an existing secret is referenced: a complete ARN, or a name in the stack's account and region. */
export type SecretReference = { readonly kind: 'arn'; readonly arn: string } | { readonly kind: 'name'; readonly name: string };

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

export function parseSecretReference(value: string): SecretReference {
  if (Token.isUnresolved(value)) {
    throw new TokenVendorSettingsError('secretName must be a literal name or ARN known at synth, not a token.');
  }
  if (value.startsWith('arn:')) {
    if (!SECRET_ARN.test(value)) {
      throw new TokenVendorSettingsError(
        `secretName '${clip(value)}' is not a complete Secrets Manager secret ARN ` +
          '(arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>): give the complete ARN, or just the name.',
      );
    }
    return { kind: 'arn', arn: value };
  }
  if (!SECRET_NAME.test(value)) {
    throw new TokenVendorSettingsError(
      `secretName '${clip(value)}' is not a Secrets Manager secret name: use 1 to 512 letters, digits and /_+=.@-, or a complete secret ARN.`,
    );
  }
  return { kind: 'name', name: value };
}

/**
 * A principal allowed to call the API and invoke the function: a whole account, one role or user, or
 * every principal of an AWS Organizations organization.
 */
export type AllowedPrincipal =
  | { readonly kind: 'account'; readonly account: string }
  | { readonly kind: 'arn'; readonly arn: string }
  | { readonly kind: 'organization'; readonly organizationId: string };

const ACCOUNT_ID = /^\d{12}$/;
const ROOT_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):root$/;
const ROLE_OR_USER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[A-Za-z0-9+=,.@_/-]{1,512}$/;
// The format of an organization id (Organizations API reference, Organization.Id).
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

export function parseAllowedPrincipal(value: string): AllowedPrincipal {
  // A token (say, a role ARN from another stack) is left for CloudFormation to check at deploy.
  if (Token.isUnresolved(value)) return { kind: 'arn', arn: value };
  const trimmed = value.trim();
  if (ACCOUNT_ID.test(trimmed)) return { kind: 'account', account: trimmed };
  const root = ROOT_ARN.exec(trimmed)?.[1];
  if (root !== undefined) return { kind: 'account', account: root };
  if (ROLE_OR_USER_ARN.test(trimmed)) return { kind: 'arn', arn: trimmed };
  if (ORGANIZATION_ID.test(trimmed)) return { kind: 'organization', organizationId: trimmed };
  const hint = trimmed.includes('*') ? ' A wildcard is not accepted: it would open the API to every AWS account.' : '';
  throw new TokenVendorSettingsError(
    `allowedPrincipalArns has '${clip(value)}', which is not an IAM principal: use a 12-digit account id or an ARN such as ` +
      'arn:aws:iam::123456789012:root, arn:aws:iam::123456789012:role/name or arn:aws:iam::123456789012:user/name, ' +
      `or an AWS Organizations id such as o-a1b2c3d4e5 (every principal of the organization).${hint}`,
  );
}

/** Parses the list, dropping repeats (an account given both as an id and as its root ARN counts once). */
export function parseAllowedPrincipals(values: readonly string[]): AllowedPrincipal[] {
  const byKey = new Map<string, AllowedPrincipal>();
  for (const principal of values.map(parseAllowedPrincipal)) byKey.set(principalKey(principal), principal);
  return [...byKey.values()];
}

/** What identifies a principal: its account id, ARN or organization id. */
export function principalKey(principal: AllowedPrincipal): string {
  switch (principal.kind) {
    case 'account':
      return principal.account;
    case 'arn':
      return principal.arn;
    case 'organization':
      return principal.organizationId;
  }
}

/** Checks a numeric setting against its range; the message names the setting. */
export function requireInRange(name: string, value: number, range: { min: number; max: number; integer: boolean }): number {
  const { min, max, integer } = range;
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new TokenVendorSettingsError(`${name} is ${value}: use a ${integer ? 'whole ' : ''}number from ${min} to ${max}.`);
  }
  return value;
}

function clip(value: string): string {
  return value.length > 80 ? `${value.slice(0, 80)}...` : value;
}
