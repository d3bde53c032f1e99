/**
 * The answer both entry points give (CONTRACT section 4), made from a vended token at the moment
 * it is sent.
 */
import { secondsLeft } from '../core/token';
import type { TokenSource, VendedToken } from '../protocol/token-service';

export type { TokenSource };

/** The answer of both entry points (CONTRACT section 4). */
export interface TokenResult {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  /** The token's real expiry, ISO 8601. */
  readonly expiresAt: string;
  /** Whole seconds left until `expiresAt`; always more than the refresh margin. */
  readonly expiresIn: number;
  readonly audience: string;
  readonly source: TokenSource;
  /** The credential set the token is for (CONTRACT section 8); `default` without CREDENTIAL_SETS. */
  readonly credentialSet: string;
}

export function toTokenResult(token: VendedToken, nowMs: number, credentialSet: string): TokenResult {
  return {
    accessToken: token.accessToken,
    tokenType: token.tokenType,
    expiresAt: new Date(token.expiresAt * 1000).toISOString(),
    expiresIn: secondsLeft(token, nowMs),
    audience: token.audience,
    source: token.source,
    credentialSet,
  };
}
