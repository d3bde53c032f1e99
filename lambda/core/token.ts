/**
 * The token the function hands out, and its expiry rules in one place. Times in tokens are
 * epoch seconds; clocks are ms. Everything below the entry points speaks of this type; the
 * issuer's parser produces it, the table stores it sealed, the protocol decides with it.
 */

/** A token as the issuer gave it, with absolute times in epoch seconds. */
export interface IssuedToken {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** Whole seconds left before the token expires (what callers see as `expiresIn`). */
export function secondsLeft(token: IssuedToken, nowMs: number): number {
  return Math.floor((token.expiresAt * 1000 - nowMs) / 1000);
}

/** A token is handed out only while it has more than the margin left (CONTRACT section 1). */
export function isServable(token: IssuedToken, nowMs: number, marginSeconds: number): boolean {
  return secondsLeft(token, nowMs) > marginSeconds;
}

/** The last instant (epoch ms) at which the token is still servable: after it, it has no more than the margin left. */
export function servableUntilMs(token: IssuedToken, marginSeconds: number): number {
  return (token.expiresAt - marginSeconds - 1) * 1000;
}

/** No token lives longer than this (CONTRACT section 7): a longer lifetime is an invalid answer. */
export const MAX_TOKEN_LIFETIME_SECONDS = 30 * 86_400;

/**
 * True when a token's times make sense: whole epoch seconds, issued no later than it
 * expires, and expiring within the longest lifetime we accept from `nowMs`. A stored
 * item that fails this (a damaged or foreign item) is a cache miss, never served.
 */
export function hasPlausibleTimes(token: Pick<IssuedToken, 'issuedAt' | 'expiresAt'>, nowMs: number): boolean {
  const { issuedAt, expiresAt } = token;
  return (
    Number.isSafeInteger(issuedAt) &&
    Number.isSafeInteger(expiresAt) &&
    issuedAt > 0 &&
    issuedAt <= expiresAt &&
    expiresAt <= Math.floor(nowMs / 1000) + MAX_TOKEN_LIFETIME_SECONDS
  );
}

/** `forceRefresh` without a fingerprint returns a token younger than this instead of minting (CONTRACT section 4). */
export const FORCE_REFRESH_MIN_AGE_SECONDS = 60;

export function isYoungerThanForceRefreshLimit(token: IssuedToken, nowMs: number): boolean {
  return nowMs / 1000 - token.issuedAt < FORCE_REFRESH_MIN_AGE_SECONDS;
}

/** The later-expiring of two tokens, either of which may be missing. */
export function longestLived(a: IssuedToken | undefined, b: IssuedToken | undefined): IssuedToken | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.expiresAt > a.expiresAt ? b : a;
}
