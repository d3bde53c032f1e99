import { untilAborted } from './abortable';
import { discard } from './bodies';
import { checkedCredentialSet } from './credential-set';
import { checkedHeaderValue } from './header-values';
import { sendWithinOrigin } from './redirects';
import { ReplacementBackoff } from './replacement-backoff';
import { baseUrlOf, checkTransport, requestOf } from './request-target';
import type { TokenClient } from './token-client';
import type { TokenResult } from './token-result';

/** Options of {@link createWllFetch}. */
export interface WllFetchOptions {
  /** Where the admin tokens come from: a client of `createTokenClient` or `createHttpTokenClient`. */
  readonly tokens: Pick<TokenClient, 'getToken' | 'refreshToken' | 'credentialSet'>;
  /**
   * The credential set whose tokens this fetch may send (CONTRACT section 8): the set of the WLL
   * client behind `apiKey` and `baseUrl`. A `tokens` client created for another set is refused at
   * once (TypeError), and a token the service says is of another set is never sent: the request
   * rejects with a TypeError instead, so one tenant's token cannot reach another tenant's API.
   * Create `tokens` with the same `credentialSet` (`default` pins the default set).
   * @default no check here: whatever set `tokens` gets (the token clients check their own set)
   */
  readonly credentialSet?: string;
  /** The tenant's WLL API key, sent as `X-Api-Key`. @default none: no `X-Api-Key` header */
  readonly apiKey?: string;
  /**
   * The WLL API's base URL (such as `https://api.wlloyalty.net/v1/`): relative request URLs are
   * resolved against it, and requests to any other origin are refused, so the admin token only
   * ever goes to WLL.
   * @default none: every request names an absolute https URL
   */
  readonly baseUrl?: string | URL;
  /**
   * Also retry requests of non-idempotent methods (POST, PATCH) once after a 401, sending the
   * body again. Only for requests that are safe to repeat: WLL refused the first one, but a
   * proxy on the way might not have.
   * @default false: a refused POST or PATCH is answered with WLL's 401 (the token is still replaced for the next call)
   */
  readonly retryNonIdempotent?: boolean;
  /** The fetch implementation. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /**
   * Told when WLL refused a replacement token too, so replacing stops for a while (the message
   * says why and for how long; it never holds a token or the key).
   * @default `process.emitWarning` (printed once per pause on stderr, as Node.js prints warnings)
   */
  readonly onWarning?: (message: string) => void;
  /** A monotonic clock in ms, for the pause after a refused replacement (tests pass a fake one). @default performance.now */
  readonly now?: () => number;
}

/** A `fetch` for the WLL admin API: same arguments, same Response. */
export type WllFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

// RFC 9110, section 9.2.2: repeating these has the effect of sending them once.
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/**
 * A `fetch` for the WLL admin API that authenticates each request with an admin token from
 * the token vendor: it sets `Authorization: Bearer <token>` (and `X-Api-Key` when an API key
 * is given), replacing any such header of the request. When WLL answers 401, it asks the token
 * client for the refused token's replacement (`refreshToken({ replacing })`: compare-and-refresh,
 * so any number of requests refused at once cause one new token) and sends the request once
 * more, with its body, if the method is idempotent (or `retryNonIdempotent` is set). It never
 * retries twice, never retries a 403 (a token that is valid but not allowed this request), and
 * returns WLL's own answers, errors included, as they are. When WLL refuses the replacement too,
 * the token is not the cause: further 401s are returned without replacing the token for 60 s
 * (doubling while it goes on, up to 15 minutes), and `onWarning` says so.
 *
 * Redirects are followed by hand, and only within the origin the request went to (the base
 * URL's): a redirect elsewhere rejects with a TypeError naming it, and nothing is sent there.
 * The request's `signal` ends the wait for a token at once. It rejects with the token client's
 * typed error (`TokenClientError`) when no token can be had, and with a TypeError for a URL the
 * token must not go to (or, with `credentialSet`, a token of another set).
 *
 * ```ts
 * const tokens = createTokenClient({ functionName: process.env.TOKEN_FUNCTION_NAME! });
 * const wll = createWllFetch({ tokens, apiKey: process.env.WLL_API_KEY, baseUrl: 'https://api.wlloyalty.net/v1/' });
 * const response = await wll('...'); // a path of the WLL admin API, relative to baseUrl
 * ```
 *
 * For one credential set, give the set to both, so they cannot be mixed up:
 * ```ts
 * const euTokens = createTokenClient({ functionName: process.env.TOKEN_FUNCTION_NAME!, credentialSet: 'eu-prod' });
 * const euWll = createWllFetch({ tokens: euTokens, credentialSet: 'eu-prod', apiKey: process.env.WLL_EU_API_KEY, baseUrl: 'https://api.wlloyalty.net/v1/' });
 * ```
 */
export function createWllFetch(options: WllFetchOptions): WllFetch {
  const { tokens } = options;
  if (typeof tokens?.getToken !== 'function' || typeof tokens.refreshToken !== 'function') {
    throw new TypeError('createWllFetch needs tokens: a client of createTokenClient or createHttpTokenClient.');
  }
  const apiKey = options.apiKey === undefined ? undefined : checkedHeaderValue(options.apiKey, 'createWllFetch apiKey');
  const credentialSet = checkedCredentialSet(options.credentialSet);
  if (credentialSet !== undefined && tokens.credentialSet !== undefined && tokens.credentialSet !== credentialSet) {
    throw new TypeError(
      `createWllFetch is for credential set '${credentialSet}', but tokens is a client of set '${tokens.credentialSet}': create the token client with credentialSet: '${credentialSet}'.`,
    );
  }
  const base = options.baseUrl === undefined ? undefined : baseUrlOf(options.baseUrl);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const warn = options.onWarning ?? ((message: string) => process.emitWarning(message, { code: 'WLL_TOKEN_REFUSED_AGAIN' }));
  const backoff = new ReplacementBackoff(options.now ?? (() => performance.now()));

  /** The token, when it may go where this fetch sends it. */
  const ofOurSet = (token: TokenResult): TokenResult => {
    if (credentialSet !== undefined && token.credentialSet !== undefined && token.credentialSet !== credentialSet) {
      throw new TypeError(
        `Refusing to send a token of credential set '${token.credentialSet}' with createWllFetch for set '${credentialSet}': create the token client with credentialSet: '${credentialSet}'.`,
      );
    }
    return token;
  };

  const send = async (request: Request, token: TokenResult): Promise<Response> => {
    const headers = new Headers(request.headers);
    headers.set('Authorization', `Bearer ${token.accessToken}`);
    if (apiKey !== undefined) headers.set('X-Api-Key', apiKey);
    const response = await sendWithinOrigin(new Request(request, { headers }), new URL(request.url).origin, fetchImpl, checkTransport);
    const pauseMs = backoff.answered(token.accessToken, response.status);
    if (pauseMs !== undefined) {
      warn(
        `WLL refused the replacement token too (HTTP 401): the cause is not the token. Check the API key, the tenant of the base URL and the token's audience; ` +
          `the token is not replaced again for ${Math.round(pauseMs / 1000)} s, and WLL's 401 is returned as it is.`,
      );
    }
    return response;
  };

  /** A new token for the refused one, unless replacing is paused or there is nothing newer. */
  const replacement = async (refused: TokenResult, signal: AbortSignal): Promise<TokenResult | undefined> => {
    if (backoff.paused) return undefined;
    const fresh = ofOurSet(await untilAborted(tokens.refreshToken({ replacing: refused }), signal));
    // The service has nothing newer: sending the same token again would be refused again.
    if (fresh.accessToken === refused.accessToken) return undefined;
    backoff.replacedWith(fresh.accessToken);
    return fresh;
  };

  return async (input, init) => {
    const request = requestOf(input, init, base);
    const retryable = IDEMPOTENT_METHODS.has(request.method) || options.retryNonIdempotent === true;
    // A body can be read once: keep a copy for the retry before the first attempt reads it.
    const spare = retryable ? request.clone() : undefined;
    let first: Response | undefined;
    let fresh: TokenResult | undefined;
    try {
      const token = ofOurSet(await untilAborted(tokens.getToken(), request.signal));
      first = await send(request, token);
      if (first.status !== 401) return first;
      if (spare === undefined) {
        // Not repeated, but the next request should not be refused for the same token.
        await replacement(token, request.signal).catch(() => undefined);
        return first;
      }
      fresh = await replacement(token, request.signal);
    } catch (error) {
      discard(spare, first);
      throw error;
    }
    if (fresh === undefined) {
      discard(spare);
      return first;
    }
    discard(first);
    return send(spare, fresh);
  };
}
