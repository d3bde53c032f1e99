import { createHash } from 'node:crypto';
import type { TokenResult } from './token-result';

/** A fingerprint as the service accepts it; the client's own copy, kept equal to the function's by a unit test. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The fingerprint of a token as the service compares it (`replacesTokenSha256`): lowercase hex
 * SHA-256 of the token string (UTF-8). Safe to log or pass around; the token is not.
 */
export function tokenSha256(token: string | Pick<TokenResult, 'accessToken'>): string {
  const accessToken = typeof token === 'string' ? token : token?.accessToken;
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new TypeError('tokenSha256 needs a token: pass the accessToken string or the result of getToken().');
  }
  return createHash('sha256').update(accessToken, 'utf8').digest('hex');
}

/** A fingerprint given by a caller, lowercased; a TypeError says what a valid one looks like. */
export function checkedSha256(value: string): string {
  const hex = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (!SHA256_HEX.test(hex)) {
    throw new TypeError('A token fingerprint is the SHA-256 of the token in hex: 64 characters 0-9 and a-f (tokenSha256(token) computes it).');
  }
  return hex;
}
