import { MAX_CREDENTIAL_SETS, SET_NAME_PATTERN } from '../lambda/config/credential-sets';
import type { CredentialSetProps } from './token-vendor-props';
import { type AllowedPrincipal, parseAllowedPrincipals, requireInRange, TokenVendorSettingsError, validateFunctionSettings } from './settings';

/** A credential set as the construct builds it: its validated settings and who may use it. */
export interface CredentialSet {
  readonly name: string;
  readonly wllRegion: string;
  readonly wllAudience: string;
  readonly allowedAudiences: readonly string[];
  readonly secretName?: string;
  /** Principals of other accounts (or organizations) allowed this set's resources. */
  readonly principals: readonly AllowedPrincipal[];
  readonly monthlyTokenBudget?: number;
  /** The name in PascalCase, for construct and output ids: `eu-prod` -> `EuProd`. */
  readonly idPart: string;
}

/** CONTRACT section 8: the names a set may have, and how many, as the function checks them. */
export const CREDENTIAL_SET_NAME = SET_NAME_PATTERN;
export { MAX_CREDENTIAL_SETS };
const KEYS: readonly string[] = ['wllRegion', 'wllAudience', 'allowedAudiences', 'secretName', 'allowedPrincipalArns', 'monthlyTokenBudget'];
const PREFIX = 'Invalid TokenVendor setting: ';

/**
 * Validates `credentialSets` the way the function will read them (the same checks, the same words),
 * naming the set in every error, so a deployment that synthesizes is one the function accepts.
 */
export function validateCredentialSets(sets: Readonly<Record<string, CredentialSetProps>> | undefined): CredentialSet[] {
  if (sets === undefined) return [];
  if (typeof sets !== 'object' || sets === null || Array.isArray(sets)) {
    throw new TokenVendorSettingsError('credentialSets must be an object from set name to the set\'s settings.');
  }
  const names = Object.keys(sets);
  if (names.length > MAX_CREDENTIAL_SETS) {
    throw new TokenVendorSettingsError(`credentialSets has ${names.length} sets: at most ${MAX_CREDENTIAL_SETS} are supported; split them over two deployments.`);
  }
  const byIdPart = new Map<string, string>();
  return names.map((name) => {
    checkName(name);
    const set = validateSet(name, sets[name]);
    const clash = byIdPart.get(set.idPart);
    if (clash !== undefined) {
      throw new TokenVendorSettingsError(
        `credential sets '${clash}' and '${name}' would share the resource and output ids '${set.idPart}' ` +
          '(hyphens are dropped and the letter after one capitalized): rename one of them.',
      );
    }
    byIdPart.set(set.idPart, name);
    return set;
  });
}

function checkName(name: string): void {
  if (name === 'default') {
    throw new TokenVendorSettingsError(
      "credentialSets has a set named 'default': that name is the set the construct's own settings (wllRegion, secretName, ...) describe; give the set another name.",
    );
  }
  if (!CREDENTIAL_SET_NAME.test(name)) {
    throw new TokenVendorSettingsError(
      `credential set name '${name.slice(0, 60)}' is invalid: use a lowercase letter, then up to 39 lowercase letters, digits or hyphens (for example eu-prod); ` +
        'the name becomes a Lambda alias and an API path segment.',
    );
  }
}

function validateSet(name: string, props: CredentialSetProps | undefined): CredentialSet {
  if (typeof props !== 'object' || props === null || Array.isArray(props)) {
    throw new TokenVendorSettingsError(`credential set '${name}' must be an object with the set's settings (${KEYS.join(', ')}), or {} for the defaults.`);
  }
  const unknown = Object.keys(props).find((key) => !KEYS.includes(key));
  if (unknown !== undefined) {
    throw new TokenVendorSettingsError(`credential set '${name}' has the unknown setting '${unknown.slice(0, 60)}': use ${KEYS.join(', ')}.`);
  }
  try {
    const settings = validateFunctionSettings(props);
    return {
      name,
      wllRegion: settings.wllRegion,
      wllAudience: settings.wllAudience,
      allowedAudiences: settings.allowedAudiences,
      ...(props.secretName !== undefined && props.secretName.trim() !== '' && { secretName: props.secretName.trim() }),
      principals: parseAllowedPrincipals(props.allowedPrincipalArns ?? []),
      ...(props.monthlyTokenBudget !== undefined && {
        monthlyTokenBudget: requireInRange('monthlyTokenBudget', props.monthlyTokenBudget, { min: 1, max: 1_000_000_000, integer: true }),
      }),
      idPart: credentialSetIdPart(name),
    };
  } catch (error) {
    if (error instanceof TokenVendorSettingsError) {
      throw new TokenVendorSettingsError(`credential set '${name}': ${error.message.replace(PREFIX, '')}`);
    }
    throw error;
  }
}

/** A set's name in PascalCase, for construct and output ids: `eu-prod` -> `EuProd`. */
export function credentialSetIdPart(name: string): string {
  return name.replace(/(^|-)([a-z0-9])/g, (_match, _hyphen, character: string) => character.toUpperCase()).replace(/-/g, '');
}

/** The set named `name`, or a settings error naming the sets there are. */
export function findCredentialSet<T extends { readonly name: string }>(sets: readonly T[], name: string, method: string): T {
  const set = sets.find((candidate) => candidate.name === name);
  if (set === undefined) {
    const known = sets.length === 0 ? 'this vendor has no credential sets' : `its sets are ${sets.map((s) => `'${s.name}'`).join(', ')}`;
    throw new TokenVendorSettingsError(
      `${method}: there is no credential set '${name.slice(0, 60)}' (${known}); omit credentialSet for the default set, or add the set to credentialSets.`,
    );
  }
  return set;
}
