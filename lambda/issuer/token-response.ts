import { MAX_TOKEN_LIFETIME_SECONDS, type IssuedToken } from '../core/token';

/**
 * Pure parsing of the WLL token endpoint's answers (WLL-TOKEN-ENDPOINT.md): strict
 * validation of a 200, and what may be kept of an error body for diagnostics.
 */

/** The issuer's 24-hour lifetime, used when neither `expires_in` nor the JWT `exp` says. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 86_400;

/**
 * A 200 that cannot be used. `transient` marks bodies that look damaged in transit
 * (not JSON at all), worth one more attempt; a well-formed but wrong answer is not.
 */
export class InvalidTokenResponse extends Error {
  constructor(
    readonly problem: string,
    readonly transient: boolean,
    /** The token's lifetime is the problem (absurd, or already over): the same answer would come again. */
    readonly lifetime = false,
  ) {
    super(problem);
  }
}

/**
 * Validates a 200 body. `requestedAtMs` is when the request was sent: the lifetime
 * counts from then, which errs on the safe side. The token's own JWT `exp` bounds it
 * (a token is never used past its own expiry), and a lifetime over 30 days, or one no
 * date can hold, is refused: such an answer must never reach the cache.
 */
export function parseTokenResponse(body: string, requestedAtMs: number): IssuedToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new InvalidTokenResponse(body.trim() === '' ? 'the body is empty' : 'the body is not JSON', true);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidTokenResponse('the body is not a JSON object', false);
  }
  const fields = parsed as Record<string, unknown>;
  const accessToken = fields.access_token;
  if (typeof accessToken !== 'string' || accessToken.trim() === '') {
    throw new InvalidTokenResponse('access_token is missing or not a non-empty string', false);
  }
  if (typeof fields.token_type !== 'string' || fields.token_type.toLowerCase() !== 'bearer') {
    throw new InvalidTokenResponse('token_type is missing or not "Bearer"', false);
  }
  const issuedAt = Math.floor(requestedAtMs / 1000);
  const expiresAt = expirySeconds(fields.expires_in, jwtExpiry(accessToken), issuedAt);
  return { accessToken, tokenType: 'Bearer', issuedAt, expiresAt };
}

/** The earlier of `issuedAt + expires_in` and the JWT `exp`; 24 h when neither says. */
function expirySeconds(expiresIn: unknown, exp: number | undefined, issuedAt: number): number {
  const fromExpiresIn = expiresIn === undefined || expiresIn === null ? undefined : issuedAt + lifetimeSeconds(expiresIn);
  const fromJwt = exp === undefined ? undefined : Math.floor(exp);
  const stated = [fromExpiresIn, fromJwt].filter((seconds): seconds is number => seconds !== undefined);
  const expiresAt = stated.length > 0 ? Math.min(...stated) : issuedAt + DEFAULT_TOKEN_LIFETIME_SECONDS;
  if (expiresAt <= issuedAt) {
    throw new InvalidTokenResponse('the token has already expired (its JWT exp is in the past)', false, true);
  }
  if (expiresAt - issuedAt > MAX_TOKEN_LIFETIME_SECONDS) {
    throw new InvalidTokenResponse(`the token lifetime is over ${MAX_TOKEN_LIFETIME_SECONDS / 86_400} days, which no WLL token has`, false, true);
  }
  return expiresAt;
}

function lifetimeSeconds(expiresIn: unknown): number {
  const seconds = typeof expiresIn === 'string' && /^\d{1,16}(\.\d{1,16})?$/.test(expiresIn.trim()) ? Number(expiresIn) : expiresIn;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 1) {
    throw new InvalidTokenResponse('expires_in is not a positive number of seconds', false, true);
  }
  return Math.floor(seconds);
}

/** The `exp` claim of a JWT, or undefined when the token is not a JWT or has none. */
export function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const exp = (claims as { exp?: unknown } | null)?.exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined;
  } catch {
    return undefined;
  }
}

/** The OAuth error fields of an error body, if it is JSON and has them. */
export interface OAuthErrorFields {
  readonly error?: string;
  readonly description?: string;
}

const MAX_DESCRIPTION_LENGTH = 200;

/**
 * Reads `error` and `error_description` from an error body, made safe to log:
 * printable characters only, shortened, and with any given secret blanked out in
 * case the issuer ever echoes what it was sent.
 */
export function parseOAuthError(body: string, secretsToRedact: readonly string[]): OAuthErrorFields {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const fields = parsed as Record<string, unknown>;
  const clean = (value: unknown, max: number): string | undefined => {
    if (typeof value !== 'string') return undefined;
    let text = value.replace(/[^\x20-\x7e]/g, ' ').trim();
    for (const secret of secretsToRedact) if (secret !== '') text = text.split(secret).join('[redacted]');
    if (text === '') return undefined;
    return text.length > max ? `${text.slice(0, max)}...` : text;
  };
  return { error: clean(fields.error, 64), description: clean(fields.error_description ?? fields.message, MAX_DESCRIPTION_LENGTH) };
}
