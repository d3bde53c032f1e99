import { checkedHeaderValue } from './header-values';
import type { TokenResult } from './token-result';

/**
 * The headers of a WLL admin API request: `Authorization: Bearer <token>`, plus
 * `X-Api-Key` when an API key is given (undefined leaves it out, so
 * `wllAdminHeaders(token, process.env.WLL_API_KEY)` works whether it is set or not).
 * A token or key that a header cannot carry (a line break, NUL, space or non-ASCII character)
 * is a TypeError that never quotes it.
 */
export function wllAdminHeaders(token: string | Pick<TokenResult, 'accessToken'>, apiKey?: string): Record<string, string> {
  const accessToken = typeof token === 'string' ? token : token?.accessToken;
  if (typeof accessToken !== 'string' || accessToken.trim() === '') {
    throw new TypeError('wllAdminHeaders needs a token: pass the accessToken string or the result of getToken().');
  }
  const headers: Record<string, string> = { Authorization: `Bearer ${checkedHeaderValue(accessToken, 'The token')}` };
  if (apiKey !== undefined) {
    if (typeof apiKey !== 'string' || apiKey.trim() === '') {
      throw new TypeError('wllAdminHeaders got an empty API key: pass the key, or leave the argument out.');
    }
    headers['X-Api-Key'] = checkedHeaderValue(apiKey, 'The API key');
  }
  return headers;
}
