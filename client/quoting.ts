/**
 * How the clients show a value a caller gave them in an error message. A message ends up in
 * logs and CI output, and a value given in the wrong place may be a token or a key: a short
 * value (a typo in a set name) is quoted, anything longer is described, never quoted.
 */

/** Values up to this long are quoted: a set name is at most 40 characters, a token far longer. */
const MAX_QUOTED = 41;

/** `'eu-prd'` for a short printable value; else what it looks like and its length. */
export function shown(value: string): string {
  if (value.length <= MAX_QUOTED && /^[\x20-\x7e]*$/.test(value)) return `'${value}'`;
  return `${kindOf(value)} (${value.length} characters, not repeated here)`;
}

/** What a value looks like, without quoting any of it. */
export function kindOf(value: string): string {
  if (/^eyJ[\w-]*\.[\w-]*\.[\w-]*$/.test(value)) return 'what looks like a token (a JWT)';
  if (/^[0-9a-f]{64}$/i.test(value)) return 'what looks like a SHA-256 fingerprint';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return 'a URL';
  if (value.startsWith('-')) return 'what looks like an option';
  if (/^[\x21-\x7e]{20,}$/.test(value)) return 'what looks like a token or a key';
  return 'a value';
}
