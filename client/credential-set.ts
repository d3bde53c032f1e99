/**
 * Credential set names as the service accepts them (CONTRACT section 8). Checked on the
 * caller's side too, so a typo fails at once with a message saying what a name looks like,
 * instead of as an IAM refusal or a 404 from a deployed service. The client keeps its own copy
 * of the function's pattern so its published types stand alone; a unit test keeps the two equal.
 */
export const SET_NAME = /^[a-z][a-z0-9-]{0,39}$/;

/** The set a client without `credentialSet` talks to: the unqualified function, `/token`. */
export const DEFAULT_CREDENTIAL_SET = 'default';

/**
 * The set name given to a client, checked; `undefined` stays undefined (the default set).
 * `option` names the option in the message (`credentialSet`, `--set`).
 */
export function checkedCredentialSet(value: unknown, option = 'credentialSet'): string | undefined {
  if (value === undefined) return undefined;
  if (value === DEFAULT_CREDENTIAL_SET) {
    throw new TypeError(`${option} '${DEFAULT_CREDENTIAL_SET}' is the set used when there is none: leave ${option} out for it.`);
  }
  if (typeof value !== 'string' || !SET_NAME.test(value)) {
    const shown = typeof value === 'string' ? `'${value.slice(0, 50)}'` : typeof value;
    throw new TypeError(
      `${option} ${shown} is not a credential set name: a lowercase letter, then up to 39 lowercase letters, digits or hyphens, such as 'eu-prod'.`,
    );
  }
  return value;
}

/** Whether the service may have answered with this set name (a set's, or `default`). */
export function isCredentialSetName(value: string): boolean {
  return value === DEFAULT_CREDENTIAL_SET || SET_NAME.test(value);
}
