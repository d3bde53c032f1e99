/**
 * How a token is named without being shown: its SHA-256 in hex, which callers send back in
 * `replacesTokenSha256` and the audit line prints a prefix of.
 */
import { createHash } from 'node:crypto';

/** Lowercase hex SHA-256 of a token (UTF-8): how callers name a token without sending it back. */
export function tokenSha256(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'utf8').digest('hex');
}

/** Enough of the fingerprint for an audit log to tell tokens apart, and too little to matter. */
export function fingerprintPrefix(accessToken: string): string {
  return tokenSha256(accessToken).slice(0, 12);
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;
