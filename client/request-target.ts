/**
 * Where `createWllFetch` may send the admin token: the base URL's origin over https (plain http
 * only to a loopback host), and the requests it accepts: a URL, a path relative to the base URL,
 * or a `Request`, including one of another fetch implementation or realm, read through its fields.
 */
import { isLoopback } from './loopback';

/** The base URL, checked, ending in `/`. */
export function baseUrlOf(value: string | URL): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError("baseUrl is not a URL: pass the WLL API's base URL, such as https://api.wlloyalty.net/v1/.");
  }
  checkTransport(url);
  // A base without a trailing slash would drop its last segment when resolving a relative path.
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url;
}

export function checkTransport(url: URL): void {
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new TypeError(`Refusing to send the WLL admin token over ${url.protocol}//${url.host}: use https (plain http only for a loopback host).`);
  }
}

/** The fields of a `Request` that this module reads; another implementation's has them too. */
interface RequestLike {
  readonly url: string;
  readonly method: string;
  readonly headers: HeadersInit;
  readonly body?: ReadableStream<Uint8Array> | null;
  readonly redirect?: RequestRedirect;
  readonly signal?: AbortSignal | null;
}

function isRequestLike(input: unknown): input is RequestLike {
  if (typeof input !== 'object' || input === null || input instanceof URL) return false;
  const { url, method } = input as Partial<RequestLike>;
  return typeof url === 'string' && typeof method === 'string';
}

/**
 * The request to send, its URL resolved against the base and refused (TypeError) when the token
 * must not go there. A `Request` of another class (another realm, the `undici` package) fails
 * `instanceof Request`; turned into a string it would be the path `[object Request]`, so it is
 * rebuilt from its fields instead.
 */
export function requestOf(input: string | URL | Request, init: RequestInit | undefined, base: URL | undefined): Request {
  const native = input instanceof Request;
  const foreign = !native && isRequestLike(input);
  const raw = native || foreign ? (input as RequestLike).url : String(input);
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    throw new TypeError('The request URL is not a URL: pass an absolute URL, or set baseUrl to resolve relative ones.');
  }
  checkTransport(url);
  if (base !== undefined && url.origin !== base.origin) {
    throw new TypeError(`Refusing to send the WLL admin token to ${url.origin}: only ${base.origin} (baseUrl) gets it.`);
  }
  if (native) return new Request(input, init);
  if (foreign) return new Request(url, { ...fieldsOf(input), ...init });
  return new Request(url, init);
}

function fieldsOf(request: RequestLike): RequestInit & { duplex?: 'half' } {
  const body = request.body ?? undefined;
  return {
    method: request.method,
    headers: new Headers(request.headers),
    ...(body === undefined ? {} : { body, duplex: 'half' }),
    ...(request.redirect === undefined ? {} : { redirect: request.redirect }),
    ...(request.signal ? { signal: ownSignal(request.signal) } : {}),
  };
}

/** A signal of this realm that follows another realm's (whose AbortSignal `Request` would refuse). */
function ownSignal(signal: Pick<AbortSignal, 'aborted' | 'reason' | 'addEventListener'>): AbortSignal {
  if (signal instanceof AbortSignal) return signal;
  const controller = new AbortController();
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  return controller.signal;
}
