import { checkedCredentialSet } from './credential-set';
import { isLoopback } from './loopback';
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
   * Create `tokens` with the same `credentialSet`.
   * @default no check: whatever set `tokens` gets
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
 * returns WLL's own answers, errors included, as they are. It rejects with the token client's
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
  const { tokens, apiKey } = options;
  if (typeof tokens?.getToken !== 'function' || typeof tokens.refreshToken !== 'function') {
    throw new TypeError('createWllFetch needs tokens: a client of createTokenClient or createHttpTokenClient.');
  }
  if (apiKey !== undefined && (typeof apiKey !== 'string' || apiKey.trim() === '')) {
    throw new TypeError('createWllFetch got an empty apiKey: pass the tenant API key, or leave it out.');
  }
  const credentialSet = checkedCredentialSet(options.credentialSet);
  if (credentialSet !== undefined && tokens.credentialSet !== undefined && tokens.credentialSet !== credentialSet) {
    throw new TypeError(
      `createWllFetch is for credential set '${credentialSet}', but tokens is a client of set '${tokens.credentialSet}': create the token client with credentialSet: '${credentialSet}'.`,
    );
  }
  const base = options.baseUrl === undefined ? undefined : baseUrlOf(options.baseUrl);
  const fetchImpl = options.fetch ?? globalThis.fetch;

  /** The token, when it may go where this fetch sends it. */
  const ofOurSet = (token: TokenResult): TokenResult => {
    if (credentialSet !== undefined && token.credentialSet !== undefined && token.credentialSet !== credentialSet) {
      throw new TypeError(
        `Refusing to send a token of credential set '${token.credentialSet}' with createWllFetch for set '${credentialSet}': create the token client with credentialSet: '${credentialSet}'.`,
      );
    }
    return token;
  };

  const send = (request: Request, token: TokenResult): Promise<Response> => {
    const headers = new Headers(request.headers);
    headers.set('Authorization', `Bearer ${token.accessToken}`);
    if (apiKey !== undefined) headers.set('X-Api-Key', apiKey);
    return fetchImpl(new Request(request, { headers }));
  };

  return async (input, init) => {
    const request = new Request(targetOf(input, base), init);
    const retryable = IDEMPOTENT_METHODS.has(request.method) || options.retryNonIdempotent === true;
    // A body can be read once: keep a copy for the retry before the first attempt reads it.
    const spare = retryable ? request.clone() : undefined;
    let token: TokenResult;
    try {
      token = ofOurSet(await tokens.getToken());
    } catch (error) {
      discard(spare);
      throw error;
    }
    const first = await send(request, token);
    if (first.status !== 401) {
      discard(spare);
      return first;
    }
    if (spare === undefined) {
      // Not repeated, but the next request should not be refused for the same token.
      await tokens.refreshToken({ replacing: token }).catch(() => undefined);
      return first;
    }
    let fresh: TokenResult;
    try {
      fresh = ofOurSet(await tokens.refreshToken({ replacing: token }));
    } catch (error) {
      discard(spare, first);
      throw error;
    }
    if (fresh.accessToken === token.accessToken) {
      // The service has nothing newer: sending the same token again would be refused again.
      discard(spare);
      return first;
    }
    discard(first);
    return send(spare, fresh);
  };
}

function baseUrlOf(value: string | URL): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`baseUrl '${String(value).slice(0, 60)}' is not a URL: pass the WLL API's base URL, such as https://api.wlloyalty.net/v1/.`);
  }
  checkTransport(url);
  // A base without a trailing slash would drop its last segment when resolving a relative path.
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url;
}

/** The request's URL, resolved against the base, and refused when the token must not go there. */
function targetOf(input: string | URL | Request, base: URL | undefined): string | Request {
  const raw = input instanceof Request ? input.url : input.toString();
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    throw new TypeError(`'${raw.slice(0, 60)}' is not a URL: pass an absolute URL, or set baseUrl to resolve relative ones.`);
  }
  checkTransport(url);
  if (base !== undefined && url.origin !== base.origin) {
    throw new TypeError(`Refusing to send the WLL admin token to ${url.origin}: only ${base.origin} (baseUrl) gets it.`);
  }
  return input instanceof Request ? input : url.href;
}

function checkTransport(url: URL): void {
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new TypeError(`Refusing to send the WLL admin token over ${url.protocol}//${url.host}: use https (plain http only for a loopback host).`);
  }
}

/** Lets go of bodies that will not be read, so their connections and buffers are released. */
function discard(...messages: Array<Request | Response | undefined>): void {
  for (const message of messages) void message?.body?.cancel().catch(() => undefined);
}
