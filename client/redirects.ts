/**
 * Redirects of requests that carry the admin token and the API key. `fetch` follows a redirect
 * to any origin and drops only `Authorization` on the way, so `X-Api-Key` (and the answer of
 * whoever is there) would cross over. Here every request goes out with `redirect: 'manual'`,
 * and a redirect is followed by hand only while it stays in the one origin the token may go to.
 */
import { discard } from './bodies';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** As many hops as `fetch` itself follows (the Fetch standard's limit). */
const MAX_REDIRECTS = 20;
/** Headers that describe a body, dropped with the body when a redirect turns the request into a GET. */
const BODY_HEADERS = ['content-encoding', 'content-language', 'content-location', 'content-type', 'content-length'];

/**
 * Sends `request` (headers already set), following redirects within `origin` the way `fetch`
 * would, and honouring the request's own `redirect` mode: `manual` returns the redirect,
 * `error` rejects. A redirect to any other origin, or off https, rejects with a TypeError that
 * names where it pointed; nothing is sent there.
 */
export async function sendWithinOrigin(
  request: Request,
  origin: string,
  fetchImpl: typeof fetch,
  checkTransport: (url: URL) => void,
): Promise<Response> {
  let current = request;
  for (let hop = 0; ; hop += 1) {
    // A body can be sent once: keep a copy for a redirect that asks for it again (307, 308).
    const copy = current.body === null ? current : current.clone();
    const response = await fetchImpl(new Request(current, { redirect: 'manual' }));
    const location = response.headers.get('location');
    if (!REDIRECTS.has(response.status) || location === null || request.redirect === 'manual') {
      if (copy !== current) discard(copy);
      return response;
    }
    discard(response);
    if (request.redirect === 'error' || hop >= MAX_REDIRECTS) discard(copy);
    if (request.redirect === 'error') {
      throw new TypeError(`WLL answered ${response.status} (a redirect) to ${current.method} ${originAndPath(current.url)}, and the request's redirect mode is 'error'.`);
    }
    if (hop >= MAX_REDIRECTS) throw new TypeError(`More than ${MAX_REDIRECTS} redirects from ${originAndPath(request.url)}: check the base URL.`);
    const target = new URL(location, current.url);
    if (target.origin !== origin) {
      discard(copy);
      throw new TypeError(
        `WLL's answer to ${current.method} ${originAndPath(current.url)} redirected to ${target.origin}: not followed, the WLL admin token and API key go to ${origin} only. ` +
          'Check the base URL (a redirect often means an old host name or a missing path segment).',
      );
    }
    checkTransport(target);
    current = nextHop(copy, response.status, target);
  }
}

/** The request a redirect asks for: a GET without body after 303 (and after 301 or 302 to a POST), else the same request at the new URL. */
function nextHop(request: Request, status: number, target: URL): Request {
  const toGet = (status === 303 && request.method !== 'GET' && request.method !== 'HEAD') || ((status === 301 || status === 302) && request.method === 'POST');
  if (!toGet) return new Request(target, request);
  discard(request);
  const headers = new Headers(request.headers);
  for (const name of BODY_HEADERS) headers.delete(name);
  return new Request(target, { method: 'GET', headers, signal: request.signal, redirect: request.redirect });
}

function originAndPath(url: string): string {
  const { origin, pathname } = new URL(url);
  return `${origin}${pathname}`;
}
