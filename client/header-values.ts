/**
 * Checks the values the clients put in HTTP headers (the admin token, the API key) before any
 * request is made. `fetch` refuses a value with a line break, NUL or a character beyond Latin-1,
 * and undici's error quotes the whole value, token or key included; refused here, the message
 * names the option and never the value.
 */

/** Visible ASCII, no spaces: what a bearer token (RFC 6750 `b64token`) and an API key are made of. */
const HEADER_SAFE = /^[\x21-\x7e]+$/;

/** True when `value` can be sent as it is in a header, with nothing trimmed or refused on the way. */
export function isHeaderSafe(value: string): boolean {
  return HEADER_SAFE.test(value);
}

/**
 * `value` when it can go into a header as it is; else a TypeError naming `what` (such as `apiKey`)
 * and saying what is wrong, never quoting the value.
 */
export function checkedHeaderValue(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`${what} is empty or not a string: pass the value, or leave it out.`);
  }
  if (!isHeaderSafe(value)) {
    throw new TypeError(
      `${what} holds a character an HTTP header cannot carry (a space, line break, NUL or other control character, or a non-ASCII character): check how it was read, such as a trailing newline from a file.`,
    );
  }
  return value;
}
