/**
 * Credential set names as the service accepts them (CONTRACT section 8). Checked on the
 * caller's side too, so a typo fails at once with a message saying what a name looks like,
 * instead of as an IAM refusal or a 404 from a deployed service. The client keeps its own copy
 * of the function's pattern so its published types stand alone; a unit test keeps the two equal.
 */
import { shown } from './quoting';

export const SET_NAME = /^[a-z][a-z0-9-]{0,39}$/;

/** The set a client without `credentialSet` talks to: the unqualified function, `/token`. */
export const DEFAULT_CREDENTIAL_SET = 'default';

/**
 * The set name given to a client, checked; `undefined` stays undefined. `default` is accepted:
 * the default set (the unqualified function, `/token`), pinned. `option` names the option in
 * the message (`credentialSet`, `--set`); a long value is described, never quoted.
 */
export function checkedCredentialSet(value: unknown, option = 'credentialSet'): string | undefined {
  if (value === undefined || value === DEFAULT_CREDENTIAL_SET) return value;
  if (typeof value !== 'string' || !SET_NAME.test(value)) {
    const given = typeof value === 'string' ? shown(value) : typeof value;
    throw new TypeError(
      `${option} ${given} is not a credential set name: a lowercase letter, then up to 39 lowercase letters, digits or hyphens, such as 'eu-prod'.`,
    );
  }
  return value;
}

/** Whether the service may have answered with this set name (a set's, or `default`). */
export function isCredentialSetName(value: string): boolean {
  return value === DEFAULT_CREDENTIAL_SET || SET_NAME.test(value);
}
