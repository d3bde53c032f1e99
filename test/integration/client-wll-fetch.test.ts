import { createHash } from 'node:crypto';
import { createHttpTokenClient } from '../../client/http-client';
import { createWllFetch, type WllFetchOptions } from '../../client/wll-fetch';
import type { TokenClient } from '../../client/token-client';
import { TokenServiceStandIn } from '../support/token-service-stand-in';
import { WllAdminApiStandIn } from '../support/wll-admin-api-stand-in';
import { expectSameToken } from '../support/token-assertions';

/**
 * `createWllFetch` against a loopback WLL admin API that refuses revoked tokens, with real
 * HTTP token clients of a token service stand-in that does compare-and-refresh (CONTRACT
 * section 4): a refused token is replaced once however many calls were refused, each call is
 * retried once, 403 never, non-idempotent methods only when asked, bodies are sent again.
 */
const API_KEY = 'tenant-api-key-123';
let service: TokenServiceStandIn;
let wll: WllAdminApiStandIn;
const revoked = new Set<string>();

beforeEach(async () => {
  revoked.clear();
  service = await TokenServiceStandIn.start();
  wll = await WllAdminApiStandIn.start({ isCurrent: (token) => service.minted.includes(token) && !revoked.has(token), apiKey: API_KEY });
});

afterEach(async () => {
  await Promise.all([service.close(), wll.close()]);
});

const sha256 = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
const refreshes = () => service.requests.filter((request) => request.startsWith('POST '));

/** A token client (one "container") holding the service's current token, and a fetch using it. */
async function caller(options: Partial<WllFetchOptions> = {}): Promise<{ tokens: TokenClient; wllFetch: ReturnType<typeof createWllFetch> }> {
  const tokens = createHttpTokenClient({ url: service.url });
  await tokens.getToken();
  return { tokens, wllFetch: createWllFetch({ tokens, apiKey: API_KEY, baseUrl: wll.url, ...options }) };
}

test('sets Authorization and X-Api-Key, resolves paths against baseUrl, and returns WLL\'s answer', async () => {
  const { wllFetch } = await caller();

  const response = await wllFetch('members?limit=2', { headers: { Authorization: 'Bearer something-else', Accept: 'application/json' } });

  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ method: 'GET', path: '/v1/members?limit=2', body: '' });
  expect(wll.requests).toHaveLength(1);
  expectSameToken(wll.requests[0]?.authorization, `Bearer ${service.current}`);
  expect(wll.requests[0]?.apiKey).toBe(API_KEY);
});

test('N concurrent calls refused at once, in two containers, cause one new token; each is retried once', async () => {
  const callers = await Promise.all([caller(), caller()]);
  const refused = service.current;
  revoked.add(refused);

  const responses = await Promise.all(callers.flatMap(({ wllFetch }) => Array.from({ length: 5 }, (_, i) => wllFetch(`members/${i}`))));

  expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
  expect(service.minted).toHaveLength(2);
  // One compare-and-refresh per container, both naming the refused token; only the first mints.
  expect(refreshes()).toEqual(Array(2).fill(`POST /token/refresh?replacesTokenSha256=${sha256(refused)}`));
  expect(wll.requests.map((r) => r.status).sort()).toEqual([...Array(10).fill(200), ...Array(10).fill(401)]);
  for (let i = 0; i < 5; i += 1) expect(wll.requests.filter((r) => r.path === `/v1/members/${i}`)).toHaveLength(4);
  for (const request of wll.requests.filter((r) => r.status === 200)) expectSameToken(request.authorization, `Bearer ${service.current}`);
});

test('a token refused again after the retry is answered with WLL\'s 401: one retry, never a loop', async () => {
  const { wllFetch } = await caller();
  const refuseAll = (token: string) => revoked.add(token);
  refuseAll(service.current);
  const originalMint = service.mint.bind(service);
  service.mint = () => {
    const token = originalMint();
    refuseAll(token);
    return token;
  };

  const response = await wllFetch('members');

  expect(response.status).toBe(401);
  expect(await response.json()).toEqual({ error: 'invalid_token', message: 'The access token is expired or revoked' });
  expect(wll.requests).toHaveLength(2);
  expect(refreshes()).toHaveLength(1);
});

test('a 403 is returned as it is: no refresh, no retry', async () => {
  const { wllFetch } = await caller();
  wll.forbidden.add('/v1/rewards');

  const response = await wllFetch('rewards', { method: 'DELETE' });

  expect(response.status).toBe(403);
  expect(await response.json()).toEqual({ error: 'forbidden', message: 'Insufficient permissions for this resource' });
  expect(wll.requests).toHaveLength(1);
  expect(refreshes()).toEqual([]);
});

test('a refused POST is not retried by default, but its token is replaced for the next call', async () => {
  const { wllFetch } = await caller();
  revoked.add(service.current);

  const refused = await wllFetch('points', { method: 'POST', body: '{"points":10}', headers: { 'Content-Type': 'application/json' } });
  const next = await wllFetch('points', { method: 'POST', body: '{"points":20}', headers: { 'Content-Type': 'application/json' } });

  expect(refused.status).toBe(401);
  expect(await refused.json()).toMatchObject({ error: 'invalid_token' });
  expect(next.status).toBe(200);
  expect(wll.requests.map((r) => [r.status, r.body])).toEqual([
    [401, '{"points":10}'],
    [200, '{"points":20}'],
  ]);
  expect(refreshes()).toHaveLength(1);
});

test('with retryNonIdempotent, a refused POST streaming its body is sent again, whole', async () => {
  const { wllFetch } = await caller({ retryNonIdempotent: true });
  revoked.add(service.current);
  const chunks = ['{"events":[', '{"type":"purchase"},', '{"type":"visit"}', ']}'];
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });

  const response = await wllFetch('events', { method: 'POST', body, duplex: 'half' } as RequestInit);

  expect(response.status).toBe(200);
  expect(wll.requests.map((r) => [r.status, r.body])).toEqual([
    [401, chunks.join('')],
    [200, chunks.join('')],
  ]);
});

test('an idempotent PUT is retried with its body; a Request object works as input', async () => {
  const { wllFetch } = await caller();
  revoked.add(service.current);

  const response = await wllFetch(new Request(`${wll.url}members/42`, { method: 'PUT', body: '{"name":"Ada"}' }));

  expect(await response.json()).toEqual({ method: 'PUT', path: '/v1/members/42', body: '{"name":"Ada"}' });
  expect(wll.requests.map((r) => r.body)).toEqual(['{"name":"Ada"}', '{"name":"Ada"}']);
});

test('the admin token goes to the base URL\'s origin over https (or loopback) only', async () => {
  const { wllFetch } = await caller();

  await expect(wllFetch('https://elsewhere.example.com/v1/members')).rejects.toThrow(/Refusing to send the WLL admin token to https:\/\/elsewhere\.example\.com/);
  expect(() => createWllFetch({ tokens: createHttpTokenClient({ url: service.url }), baseUrl: 'http://api.example.com/' })).toThrow(/use https/);
  await expect(createWllFetch({ tokens: createHttpTokenClient({ url: service.url }) })('members')).rejects.toThrow(/not a URL: pass an absolute URL, or set baseUrl/);
  expect(wll.requests).toEqual([]);
});

test('when no new token can be had, the call rejects with the token client\'s typed error', async () => {
  const { wllFetch } = await caller();
  revoked.add(service.current);
  await service.close();

  await expect(wllFetch('members')).rejects.toMatchObject({ name: 'ServiceAccessError', message: expect.stringContaining('ECONNREFUSED') });
  expect(wll.requests).toHaveLength(1);
});
