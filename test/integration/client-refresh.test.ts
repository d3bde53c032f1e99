import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { startLocalApi, type LocalApi } from '../../scripts/local/api-server';
import { tokenSha256 } from '../../client/fingerprint';
import { createHttpTokenClient } from '../../client/http-client';
import { createTokenClient } from '../../client/lambda-client';
import { createWllFetch } from '../../client/wll-fetch';
import { startHarness, type Harness } from '../support/harness';
import { LambdaInvokeStandIn } from '../support/lambda-invoke-stand-in';
import { expectSameToken } from '../support/token-assertions';
import { WllAdminApiStandIn } from '../support/wll-admin-api-stand-in';

/**
 * Compare-and-refresh end to end (CONTRACT section 4): the clients' `refreshToken()` names the
 * refused token by its fingerprint, and the real handler, in two containers sharing one table,
 * mints only while that token is current. Through direct invocation, the HTTP API, and
 * `createWllFetch` against a WLL admin API that accepts the newest token only.
 */
const CREDENTIALS = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'localTestSecretKey' };

let h: Harness;
const closers: Array<() => Promise<void>> = [];

beforeEach(async () => {
  h = await startHarness({ delayMs: 20 });
});

afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  await h.close();
});

/** Two containers of the function (module instances) behind the Lambda Invoke stand-in. */
async function lambdaContainers(): Promise<LambdaInvokeStandIn> {
  const lambda = await LambdaInvokeStandIn.start({ functions: { one: h.loadHandler(), two: h.loadHandler() }, credentials: [CREDENTIALS] });
  closers.push(() => lambda.close());
  return lambda;
}

/** Two containers of the function, each behind its own local API (no IAM: the clients call them unsigned). */
async function apiContainers(): Promise<[LocalApi, LocalApi]> {
  const apis = await Promise.all([startLocalApi(h.loadHandler(), 0), startLocalApi(h.loadHandler(), 0)]);
  for (const api of apis) closers.push(() => api.close());
  return apis;
}

test('direct invocation: the first container refreshing the refused token mints; the second, still holding it in memory, gets the new one', async () => {
  const lambda = await lambdaContainers();
  const client = new LambdaClient({ endpoint: lambda.endpoint, region: 'eu-west-1', credentials: CREDENTIALS, maxAttempts: 1 });
  const first = createTokenClient({ functionName: 'one', client });
  const second = createTokenClient({ functionName: 'two', client });
  const refused = await first.getToken();
  await second.getToken();

  const fromFirst = await first.refreshToken();
  const fromSecond = await second.refreshToken();

  expect(lambda.invocations.map((i) => i.event)).toEqual([
    {},
    {},
    { forceRefresh: true, replacesTokenSha256: tokenSha256(refused) },
    { forceRefresh: true, replacesTokenSha256: tokenSha256(refused) },
  ]);
  expect(h.wll.requests).toBe(2);
  expectSameToken(fromFirst.accessToken, h.wll.issued[1]?.accessToken);
  expectSameToken(fromSecond.accessToken, fromFirst.accessToken);
});

test('HTTP API: POST /token/refresh?replacesTokenSha256 mints once for callers refused at once in two containers', async () => {
  const [one, two] = await apiContainers();
  const callers = [one, two, one, two].map((api) => createHttpTokenClient({ url: api.url }));
  const tokens = await Promise.all(callers.map((c) => c.getToken()));
  const refused = tokens[0]!;

  const replacements = await Promise.all(callers.map((c) => c.refreshToken({ replacing: refused })));

  expect(h.wll.requests).toBe(2);
  for (const replacement of replacements) expectSameToken(replacement.accessToken, h.wll.issued[1]?.accessToken);
});

test('a refresh naming a token that is no longer current returns the current one without asking WLL', async () => {
  const [api] = await apiContainers();
  const tokens = createHttpTokenClient({ url: api.url });
  const old = await tokens.getToken();
  const current = await tokens.refreshToken();

  const stale = await createHttpTokenClient({ url: api.url }).refreshToken({ replacingSha256: tokenSha256(old) });

  expect(h.wll.requests).toBe(2);
  expectSameToken(stale.accessToken, current.accessToken);
});

test('a well-formed fingerprint is accepted, a malformed one is a BadRequestError', async () => {
  const lambda = await lambdaContainers();
  const client = new LambdaClient({ endpoint: lambda.endpoint, region: 'eu-west-1', credentials: CREDENTIALS, maxAttempts: 1 });
  const invoke = async (replacesTokenSha256: string) => {
    const result = await client.send(
      new InvokeCommand({ FunctionName: 'one', Payload: new TextEncoder().encode(JSON.stringify({ forceRefresh: true, replacesTokenSha256 })) }),
    );
    return { failed: result.FunctionError !== undefined, payload: JSON.parse(new TextDecoder().decode(result.Payload)) as Record<string, unknown> };
  };

  const wellFormed = await invoke('0'.repeat(64));
  const malformed = await invoke('not-hex');

  expect(wellFormed.failed).toBe(false);
  expect(malformed).toMatchObject({ failed: true, payload: { errorType: 'BadRequestError' } });
});

test('createWllFetch: eight calls refused at once in two containers cause one new token, and all succeed on their retry', async () => {
  const [one, two] = await apiContainers();
  const revoked = new Set<string>();
  const newest = () => h.wll.issued[h.wll.issued.length - 1]?.accessToken;
  const wll = await WllAdminApiStandIn.start({ isCurrent: (token) => token === newest() && !revoked.has(token) });
  closers.push(() => wll.close());
  const fetches = [one, two].map((api) => {
    const tokens = createHttpTokenClient({ url: api.url });
    return { tokens, wllFetch: createWllFetch({ tokens, baseUrl: wll.url }) };
  });
  await Promise.all(fetches.map(({ tokens }) => tokens.getToken()));
  revoked.add(newest()!);

  const responses = await Promise.all(fetches.flatMap(({ wllFetch }) => Array.from({ length: 4 }, () => wllFetch('members'))));

  expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
  expect(h.wll.requests).toBe(2);
  expect(wll.requests.map((r) => r.status).sort()).toEqual([...Array(8).fill(200), ...Array(8).fill(401)]);
});

test('createWllFetch: a token another caller already replaced costs no issuer request', async () => {
  const [one] = await apiContainers();
  const wll = await WllAdminApiStandIn.start({ isCurrent: (token) => token === h.wll.issued[h.wll.issued.length - 1]?.accessToken });
  closers.push(() => wll.close());
  const tokens = createHttpTokenClient({ url: one.url });
  const wllFetch = createWllFetch({ tokens, baseUrl: wll.url });
  const held = await tokens.getToken();
  // Another caller, refused with the same token, has it replaced already.
  await createHttpTokenClient({ url: one.url }).refreshToken({ replacing: held.accessToken });

  const response = await wllFetch('members');

  expect(response.status).toBe(200);
  expect(h.wll.requests).toBe(2);
});
