import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { untilAborted } from './abortable';
import { checkedCredentialSet, DEFAULT_CREDENTIAL_SET } from './credential-set';
import { errorFromCallFailure, errorFromHttpAnswer } from './error-mapping';
import { ServiceAccessError, UnexpectedError } from './errors';
import { isLoopback } from './loopback';
import { shown } from './quoting';
import { regionFromAwsConfig, sigV4Signer, type AwsCredentials, type Sign } from './sigv4-signer';
import { TokenCache, type TokenRequest } from './token-cache';
import type { TokenClient } from './token-client';
import { checkAnswered, parseTokenResult, type TokenResult } from './token-result';

export type { AwsCredentials } from './sigv4-signer';

export interface HttpTokenClientOptions {
  /**
   * The API: the stack output `TokenApiUrl` (the stage URL, ending in `/`), or a URL
   * already ending in `/token`. Plain `http` only for a loopback host (`npm start`).
   */
  readonly url: string;
  /** The audience to ask for. @default the service's configured audience */
  readonly audience?: string;
  /**
   * The credential set to get tokens of (CONTRACT section 8), such as `eu-prod`: the client calls
   * `GET {url}sets/eu-prod/token` and `POST {url}sets/eu-prod/token/refresh`, the paths IAM grants
   * per set (the construct's `grantApiAccess(grantee, { credentialSet })`). A name is a lowercase
   * letter, then up to 39 lowercase letters, digits or hyphens; `default` names the default set.
   * An answer for another set, or a token for another audience than `audience`, is refused.
   * @default the `default` set: `/token` and `/token/refresh` (or the set of a set's own URL)
   */
  readonly credentialSet?: string;
  /**
   * The region to sign for.
   * @default the region in an `execute-api` host name, else the AWS SDK's: `AWS_REGION`, else the profile's region in the AWS config file
   */
  readonly region?: string;
  /**
   * Credentials, or a provider of them.
   * @default the AWS SDK's default chain (`defaultProvider()`), except for a loopback URL: requests to a local
   * server (`npm start`, which has no IAM) are not signed, and no credentials are looked for
   */
  readonly credentials?: AwsCredentials | (() => Promise<AwsCredentials>);
  /**
   * Each call (finding AWS credentials, signing, the request) is abandoned after this long: a
   * whole number of ms from 1 to 2147483647, checked when the client is made.
   * @default 30000 (API Gateway itself gives up at 29 s)
   */
  readonly timeoutMs?: number;
  /** Renew the token when it has less than this left. @default 60 */
  readonly refreshBeforeExpirySeconds?: number;
  /** A monotonic clock in ms, for the token's remaining life (only differences count). @default performance.now */
  readonly now?: () => number;
  /** The fetch implementation. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const CALL_ADVICE = 'check the AWS credentials and that this principal may call the API (execute-api:Invoke)';
const SET_FIX = 'the deployment serves this path without a credential set of that name: check its credentialSets';
const DEFAULT_SET_FIX = "/token serves the default set: check that the URL is the stack output TokenApiUrl, or pass the set's name as credentialSet";

/**
 * A token client for scripts and services outside the function's account or VPC:
 * `GET {url}/token` signed with SigV4 (service `execute-api`, `AWS_IAM` authorization,
 * CONTRACT section 5), with the same in-memory token, shared requests and typed
 * errors as `createTokenClient`. With `credentialSet`, it calls that set's paths
 * (`{url}sets/<name>/token`) and keeps that set's token. A loopback URL (`npm start`) is called
 * unsigned unless `credentials` are given.
 */
export function createHttpTokenClient(options: HttpTokenClientOptions): TokenClient {
  const { audience } = options;
  if (audience !== undefined && (typeof audience !== 'string' || audience === '')) {
    throw new TypeError('audience must be a non-empty string, such as "wlloyalty.net"; leave it out for the default.');
  }
  const named = checkedCredentialSet(options.credentialSet);
  // The default set is served at /token; `default` names no path of its own.
  const pathSet = named === DEFAULT_CREDENTIAL_SET ? undefined : named;
  const base = apiBaseUrl(options.url, named);
  // A set's own URL without credentialSet (`.../sets/eu-prod/token`) is that set's.
  const credentialSet = named ?? /\/sets\/([a-z][a-z0-9-]{0,39})\/$/.exec(base.pathname)?.[1] ?? DEFAULT_CREDENTIAL_SET;
  // The set's name is checked to need no escaping, but is escaped anyway: the path is what gets signed.
  const prefix = pathSet === undefined ? '' : `sets/${escapeUri(pathSet)}/`;
  const sign = signerFor(base, options);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = checkedTimeout(options.timeoutMs);

  const call = async ({ forceRefresh, replacesTokenSha256 }: TokenRequest): Promise<TokenResult> => {
    const url = new URL(`${prefix}${forceRefresh ? 'token/refresh' : 'token'}`, base);
    const query: Record<string, string> = {};
    if (audience !== undefined) query.audience = audience;
    if (forceRefresh && replacesTokenSha256 !== undefined) query.replacesTokenSha256 = replacesTokenSha256;
    url.search = Object.entries(query)
      .map(([name, value]) => `${escapeUri(name)}=${escapeUri(value)}`)
      .join('&');
    const method = forceRefresh ? 'POST' : 'GET';
    const where = `${url.origin}${url.pathname}`;
    let status: number;
    let headers: Headers;
    let body: string;
    // One bound for the whole call: finding credentials (instance metadata, SSO, a credential
    // process) can hang as well as the request can.
    const signal = AbortSignal.timeout(timeoutMs);
    let sent: Record<string, string> = {};
    try {
      if (sign) sent = await untilAborted(sign({ method, url, query }), signal);
    } catch (error) {
      if (!signal.aborted) throw errorFromCallFailure(error, `the token API at ${where}`, CALL_ADVICE);
      throw new ServiceAccessError(
        `Finding AWS credentials to call the token API at ${where} took more than ${timeoutMs} ms (timeoutMs): check the credential chain (profile, SSO, credential process, instance metadata), or pass credentials.`,
        { retryable: true },
      );
    }
    try {
      const response = await fetchImpl(url, { method, headers: sent, redirect: 'manual', signal });
      ({ status, headers } = response);
      body = await response.text();
    } catch (error) {
      throw errorFromCallFailure(error, `the token API at ${where}`, CALL_ADVICE);
    }
    if (status !== 200) throw errorFromHttpAnswer(status, headers, body, where, pathSet);
    let result: unknown;
    try {
      result = JSON.parse(body);
    } catch {
      throw new UnexpectedError(`The token API at ${where} answered with something that is not JSON: check the URL.`);
    }
    const from = `The token API at ${where}`;
    return checkAnswered(parseTokenResult(result, from), { credentialSet, audience }, from, pathSet === undefined ? DEFAULT_SET_FIX : SET_FIX);
  };

  const cache = new TokenCache(call, options);
  return {
    credentialSet,
    getToken: () => cache.get(),
    refreshToken: (refresh) => cache.refresh(refresh),
    clear: () => cache.clear(),
  };
}

/** The longest delay a Node.js timer holds; a longer one fires after 1 ms. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

function checkedTimeout(value: unknown): number {
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_TIMEOUT_MS) {
    const given = typeof value === 'number' ? String(value) : `a ${typeof value}`;
    throw new RangeError(`timeoutMs must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}; got ${given}. Leave it out for ${DEFAULT_TIMEOUT_MS}.`);
  }
  return value;
}

/**
 * How requests to `base` are signed: not at all for a loopback host without explicit
 * credentials (a local server has no IAM, and looking for credentials could wait on instance
 * metadata for seconds), else SigV4 with the given credentials or the default chain.
 */
function signerFor(base: URL, options: HttpTokenClientOptions): Sign | undefined {
  const given = options.credentials;
  const loopback = isLoopback(base.hostname);
  if (loopback && given === undefined) return undefined;
  const credentials = typeof given === 'function' ? given : given !== undefined ? () => Promise.resolve(given) : defaultProvider();
  const region =
    options.region ?? regionOfApiHost(base.hostname) ?? (loopback ? (process.env.AWS_REGION ?? 'us-east-1') : regionFromAwsConfig());
  return sigV4Signer({ region, credentials });
}

/**
 * The API's base URL, ending in `/`, from the stack output `TokenApiUrl` or a URL
 * ending in `/token` (or `/token/refresh`). With `credentialSet`, a URL of that set's own
 * path (`.../sets/<name>/token`) is accepted too. Throws a TypeError saying what to pass.
 */
export function apiBaseUrl(input: string, credentialSet?: string): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new TypeError(`${shown(input)} is not a URL: pass the stack output TokenApiUrl, such as https://abc123.execute-api.eu-west-1.amazonaws.com/prod/.`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new TypeError(`The API URL must use https (plain http only for a loopback host such as 127.0.0.1); got ${url.protocol}//${url.host}.`);
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new TypeError('The API URL must not carry a query, fragment or user name: pass the stack output TokenApiUrl as it is; give the audience separately.');
  }
  let path = url.pathname.replace(/\/+$/, '').replace(/\/token(\/refresh)?$/, '');
  const named = credentialSet === undefined ? undefined : /\/sets\/([^/]+)$/.exec(path);
  if (named) {
    // A set's own URL given with credentialSet: the set must be the same, and is added back once.
    if (decodeURIComponent(named[1] as string) !== credentialSet) {
      throw new TypeError(
        `The API URL is the path of credential set ${shown(decodeURIComponent(named[1] as string))}, but credentialSet is '${credentialSet}': pass the stack output TokenApiUrl with credentialSet.`,
      );
    }
    path = path.slice(0, named.index);
  }
  url.pathname = `${path}/`;
  return url;
}

/** The region in an API Gateway host name: `abc123.execute-api.eu-west-1.amazonaws.com` (also VPC endpoint hosts). */
export function regionOfApiHost(hostname: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.(?:vpce\.)?amazonaws\.com(?:\.cn)?$/.exec(hostname.toLowerCase())?.[1];
}


/** RFC 3986 encoding, as SigV4's canonical query uses it, so what is sent is what was signed. */
function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
