import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { errorFromCallFailure, errorFromHttpAnswer } from './error-mapping';
import { UnexpectedError } from './errors';
import { TokenCache } from './token-cache';
import type { TokenClient } from './token-client';
import { parseTokenResult, type TokenResult } from './token-result';

/** AWS credentials, as the AWS SDK's credential providers give them. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export interface HttpTokenClientOptions {
  /**
   * The API: the stack output `TokenApiUrl` (the stage URL, ending in `/`), or a URL
   * already ending in `/token`. Plain `http` only for a loopback host (`npm start`).
   */
  readonly url: string;
  /** The audience to ask for. @default the service's configured audience */
  readonly audience?: string;
  /**
   * The region to sign for.
   * @default the region in an `execute-api` host name, else `AWS_REGION`
   */
  readonly region?: string;
  /**
   * Credentials, or a provider of them.
   * @default the AWS SDK's default chain (`defaultProvider()`); for a loopback URL, placeholders when it finds none
   */
  readonly credentials?: AwsCredentials | (() => Promise<AwsCredentials>);
  /** Each request is abandoned after this long. @default 30000 (API Gateway itself gives up at 29 s) */
  readonly timeoutMs?: number;
  /** Renew the token when it has less than this left. @default 60 */
  readonly refreshBeforeExpirySeconds?: number;
  /** The clock, in epoch milliseconds. @default Date.now */
  readonly now?: () => number;
  /** The fetch implementation. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const CALL_ADVICE = 'check the AWS credentials and that this principal may call the API (execute-api:Invoke)';

/**
 * A token client for scripts and services outside the function's account or VPC:
 * `GET {url}/token` signed with SigV4 (service `execute-api`, `AWS_IAM` authorization,
 * CONTRACT section 5), with the same in-memory token, shared requests and typed
 * errors as `createTokenClient`.
 */
export function createHttpTokenClient(options: HttpTokenClientOptions): TokenClient {
  const { audience } = options;
  if (audience !== undefined && (typeof audience !== 'string' || audience === '')) {
    throw new TypeError('audience must be a non-empty string, such as "wlloyalty.net"; leave it out for the default.');
  }
  const base = apiBaseUrl(options.url);
  const region = options.region ?? regionOfApiHost(base.hostname) ?? process.env.AWS_REGION ?? (isLoopback(base.hostname) ? 'us-east-1' : undefined);
  if (!region) {
    throw new TypeError(`Cannot tell the AWS region of ${base.host}: pass the region option (--region), or set AWS_REGION.`);
  }
  const signer = new SignatureV4({
    service: 'execute-api',
    region,
    credentials: credentialsProvider(options.credentials, isLoopback(base.hostname)),
    sha256: Sha256,
  });
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  const call = async (forceRefresh: boolean): Promise<TokenResult> => {
    const url = new URL(forceRefresh ? 'token/refresh' : 'token', base);
    if (audience !== undefined) url.search = `audience=${escapeUri(audience)}`;
    const method = forceRefresh ? 'POST' : 'GET';
    let status: number;
    let headers: Headers;
    let body: string;
    try {
      const signed = await signer.sign(
        new HttpRequest({
          method,
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port === '' ? undefined : Number(url.port),
          path: url.pathname,
          query: audience === undefined ? {} : { audience },
          headers: { host: url.host },
        }),
      );
      // fetch sets Host itself, from the same URL.
      const sent: Record<string, string> = { ...signed.headers };
      delete sent.host;
      const response = await fetchImpl(url, { method, headers: sent, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      ({ status, headers } = response);
      body = await response.text();
    } catch (error) {
      throw errorFromCallFailure(error, `the token API at ${url.origin}${url.pathname}`, CALL_ADVICE);
    }
    const where = `${url.origin}${url.pathname}`;
    if (status !== 200) throw errorFromHttpAnswer(status, headers, body, where);
    let result: unknown;
    try {
      result = JSON.parse(body);
    } catch {
      throw new UnexpectedError(`The token API at ${where} answered with something that is not JSON: check the URL.`);
    }
    return parseTokenResult(result, `The token API at ${where}`);
  };

  const cache = new TokenCache(call, options);
  return {
    getToken: () => cache.get(),
    refreshToken: () => cache.refresh(),
    clear: () => cache.clear(),
  };
}

/**
 * The API's base URL, ending in `/`, from the stack output `TokenApiUrl` or a URL
 * ending in `/token` (or `/token/refresh`). Throws a TypeError saying what to pass.
 */
export function apiBaseUrl(input: string): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new TypeError(`'${clip(input)}' is not a URL: pass the stack output TokenApiUrl, such as https://abc123.execute-api.eu-west-1.amazonaws.com/prod/.`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new TypeError(`The API URL must use https (plain http only for a loopback host such as 127.0.0.1); got ${url.protocol}//${url.host}.`);
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new TypeError('The API URL must not carry a query, fragment or user name: pass the stack output TokenApiUrl as it is; give the audience separately.');
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/token(\/refresh)?$/, '');
  url.pathname = `${path}/`;
  return url;
}

/** The region in an API Gateway host name: `abc123.execute-api.eu-west-1.amazonaws.com` (also VPC endpoint hosts). */
export function regionOfApiHost(hostname: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.(?:vpce\.)?amazonaws\.com(?:\.cn)?$/.exec(hostname.toLowerCase())?.[1];
}

/**
 * The given credentials, else the default chain. A loopback API (`npm start`) has no
 * IAM: when the chain finds nothing, placeholders sign its requests, so a machine
 * without AWS credentials can still use it.
 */
function credentialsProvider(given: HttpTokenClientOptions['credentials'], loopback: boolean): () => Promise<AwsCredentials> {
  if (typeof given === 'function') return given;
  if (given !== undefined) return () => Promise.resolve(given);
  const chain = defaultProvider();
  if (!loopback) return chain;
  return () => chain().catch(() => LOCAL_PLACEHOLDER_CREDENTIALS);
}

const LOCAL_PLACEHOLDER_CREDENTIALS: AwsCredentials = { accessKeyId: 'AKIDLOCALPLACEHOLDER', secretAccessKey: 'local-placeholder' };

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** RFC 3986 encoding, as SigV4's canonical query uses it, so what is sent is what was signed. */
function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function clip(value: string): string {
  return value.length > 60 ? `${value.slice(0, 60)}...` : value;
}
