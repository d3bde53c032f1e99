import { createHttpTokenClient } from '../../client/http-client';
import type { TokenClient } from '../../client/token-client';
import type { TokenResult } from '../../client/token-result';
import { createWllFetch, type WllFetchOptions } from '../../client/wll-fetch';
import { expectSameToken } from '../support/token-assertions';
import { TokenServiceStandIn } from '../support/token-service-stand-in';
import { WllAdminApiStandIn } from '../support/wll-admin-api-stand-in';

/**
 * What `createWllFetch` must never do with the admin token and the API key, against loopback
 * stand-ins of the WLL admin API and of the token service: follow a redirect to another origin,
 * replace tokens without end when WLL refuses every one, make a caller wait past its own
 * AbortSignal, or send a `Request` it cannot read as `[object Request]`.
 */
const API_KEY = 'tenant-api-key-guards';
let service: TokenServiceStandIn;
let wll: WllAdminApiStandIn;
let elsewhere: WllAdminApiStandIn;
let refuseAll: boolean;

beforeEach(async () => {
  refuseAll = false;
  service = await TokenServiceStandIn.start();
  const isCurrent = (token: string) => !refuseAll && token === service.current;
  [wll, elsewhere] = await Promise.all([WllAdminApiStandIn.start({ isCurrent, apiKey: API_KEY }), WllAdminApiStandIn.start({ isCurrent: () => true })]);
});

afterEach(async () => {
  await Promise.all([service.close(), wll.close(), elsewhere.close()]);
});

const refreshes = () => service.requests.filter((request) => request.startsWith('POST '));

function wllFetch(options: Partial<WllFetchOptions> = {}) {
  return createWllFetch({ tokens: createHttpTokenClient({ url: service.url }), apiKey: API_KEY, baseUrl: wll.url, ...options });
}

describe('redirects', () => {
  test('a redirect to another origin is an error naming it, and nothing is sent there', async () => {
    const target = `${elsewhere.url}members`;
    wll.redirects.set('/v1/members', { status: 302, location: target });

    const error = await wllFetch()('members').then(() => undefined, (e: unknown) => e as Error);

    expect(error).toBeInstanceOf(TypeError);
    expect(error?.message).toContain(`redirected to ${new URL(elsewhere.url).origin}`);
    expect(error?.message).toMatch(/the WLL admin token and API key go to http:\/\/127\.0\.0\.1:\d+ only/);
    expect(elsewhere.requests).toEqual([]);
    expect(refreshes()).toEqual([]);
  });

  test('a same-origin redirect is followed by hand, keeping method, body and headers on 307', async () => {
    wll.redirects.set('/v1/members/42', { status: 307, location: '/v1/people/42' });

    const response = await wllFetch()('members/42', { method: 'PUT', body: '{"name":"Ada"}' });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ method: 'PUT', path: '/v1/people/42', body: '{"name":"Ada"}' });
    expect(wll.requests.map((r) => [r.method, r.path, r.body, r.apiKey])).toEqual([
      ['PUT', '/v1/members/42', '{"name":"Ada"}', API_KEY],
      ['PUT', '/v1/people/42', '{"name":"Ada"}', API_KEY],
    ]);
    expectSameToken(wll.requests[1]?.authorization, `Bearer ${service.current}`);
  });

  test('a 303 after a POST is followed with a GET and no body', async () => {
    wll.redirects.set('/v1/exports', { status: 303, location: `${wll.url}exports/7` });

    const response = await wllFetch()('exports', { method: 'POST', body: '{"kind":"members"}', headers: { 'Content-Type': 'application/json' } });

    expect(await response.json()).toEqual({ method: 'GET', path: '/v1/exports/7', body: '' });
  });

  test('the origin is checked again at every hop', async () => {
    wll.redirects.set('/v1/a', { status: 301, location: '/v1/b' });
    wll.redirects.set('/v1/b', { status: 308, location: `${elsewhere.url}b` });

    await expect(wllFetch()('a')).rejects.toThrow(/redirected to http:\/\/127\.0\.0\.1:\d+/);
    expect(wll.requests.map((r) => r.path)).toEqual(['/v1/a', '/v1/b']);
    expect(elsewhere.requests).toEqual([]);
  });

  test('without baseUrl, the origin of the request is the only one a redirect may stay in', async () => {
    wll.redirects.set('/v1/members', { status: 302, location: `${elsewhere.url}members` });

    await expect(wllFetch({ baseUrl: undefined })(`${wll.url}members`)).rejects.toThrow(/redirected to/);
    expect(elsewhere.requests).toEqual([]);
  });

  test("the caller's redirect mode is kept: manual returns the redirect, error rejects", async () => {
    wll.redirects.set('/v1/members', { status: 302, location: `${elsewhere.url}members` });

    const manual = await wllFetch()('members', { redirect: 'manual' });

    expect(manual.status).toBe(302);
    await expect(wllFetch()('members', { redirect: 'error' })).rejects.toThrow(/redirect/);
    expect(elsewhere.requests).toEqual([]);
  });
});

describe('a replacement that WLL refuses too', () => {
  test('stops the replacing for a while: 30 refused calls cost one replacement, and a warning says why', async () => {
    refuseAll = true;
    const warnings: string[] = [];
    const fetch = wllFetch({ onWarning: (message) => warnings.push(message) });

    const statuses: number[] = [];
    for (let i = 0; i < 30; i += 1) statuses.push((await fetch(`members/${i}`)).status);

    expect(statuses).toEqual(Array(30).fill(401));
    expect(service.minted).toHaveLength(2);
    expect(refreshes()).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/WLL refused the replacement token too \(HTTP 401\): the cause is not the token/);
    expect(warnings[0]).toMatch(/not replaced again for 60 s/);
  });

  test('after the pause one more replacement is tried, and a call that succeeds ends the pause', async () => {
    let now = 1_000;
    refuseAll = true;
    const warnings: string[] = [];
    const fetch = wllFetch({ now: () => now, onWarning: (message) => warnings.push(message) });
    await fetch('members');
    now += 59_000;
    await fetch('members');
    expect(refreshes()).toHaveLength(1);

    now += 2_000;
    await fetch('members');
    expect(refreshes()).toHaveLength(2);

    refuseAll = false;
    now += 121_000;
    expect((await fetch('members')).status).toBe(200);
    refuseAll = true;
    await fetch('members');

    expect(refreshes()).toHaveLength(3);
    expect(warnings.map((warning) => /for (\d+) s/.exec(warning)?.[1])).toEqual(['60', '120', '60']);
  });
});

describe("the caller's AbortSignal", () => {
  function hangingTokens(): { tokens: TokenClient; pending: () => number } {
    let pending = 0;
    const hang = () => {
      pending += 1;
      return new Promise<TokenResult>(() => undefined);
    };
    return { tokens: { getToken: hang, refreshToken: hang, clear: () => undefined }, pending: () => pending };
  }

  test('aborts the wait for a token at once; the token call itself is left to go on', async () => {
    const { tokens, pending } = hangingTokens();
    const controller = new AbortController();
    const fetch = createWllFetch({ tokens, baseUrl: wll.url });

    const call = fetch('members', { signal: controller.signal });
    controller.abort();

    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    expect(pending()).toBe(1);
    expect(wll.requests).toEqual([]);
  }, 5_000);

  test('AbortSignal.timeout ends the wait with a TimeoutError; an aborted signal sends nothing', async () => {
    const { tokens } = hangingTokens();
    const fetch = createWllFetch({ tokens, baseUrl: wll.url });

    await expect(fetch('members', { signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ name: 'TimeoutError' });
    await expect(fetch('members', { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(wll.requests).toEqual([]);
  }, 5_000);

  test('aborts the wait for a replacement too', async () => {
    refuseAll = true;
    const held = createHttpTokenClient({ url: service.url });
    const controller = new AbortController();
    const tokens: TokenClient = {
      getToken: () => held.getToken(),
      refreshToken: () => {
        controller.abort();
        return new Promise<TokenResult>(() => undefined);
      },
      clear: () => undefined,
    };

    await expect(createWllFetch({ tokens, baseUrl: wll.url })('members', { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(wll.requests).toHaveLength(1);
  }, 5_000);
});

test('a Request of another fetch implementation is read through its fields, never sent as [object Request]', async () => {
  /** What another realm's or the undici package's Request looks like here: the same fields, another class. */
  class ForeignRequest {
    readonly method = 'PUT';
    readonly headers = new Headers({ 'Content-Type': 'application/json' });
    readonly body = new Blob(['{"name":"Grace"}']).stream();
    readonly redirect = 'follow';
    constructor(readonly url: string) {}
    toString() {
      return '[object Request]';
    }
  }

  const response = await wllFetch()(new ForeignRequest(`${wll.url}members/7`) as unknown as Request);

  expect(await response.json()).toEqual({ method: 'PUT', path: '/v1/members/7', body: '{"name":"Grace"}' });
  expect(wll.requests[0]?.path).toBe('/v1/members/7');
});

describe('header values', () => {
  test.each(['key\r\nX-Injected: 1', 'key\nrest', 'key\u0000rest', 'kéy'])('an apiKey a header cannot carry is refused when the fetch is made, without quoting it (%j)', (apiKey) => {
    const made = () => wllFetch({ apiKey });

    expect(made).toThrow(/apiKey holds a character an HTTP header cannot carry/);
    expect(() => made()).not.toThrow(apiKey);
  });
});
