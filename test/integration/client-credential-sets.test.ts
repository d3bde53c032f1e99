import { LambdaClient } from '@aws-sdk/client-lambda';
import { BadRequestError, ConfigurationError, ServiceAccessError } from '../../client/errors';
import { tokenSha256 } from '../../client/fingerprint';
import { createHttpTokenClient } from '../../client/http-client';
import { createTokenClient } from '../../client/lambda-client';
import { createWllFetch } from '../../client/wll-fetch';
import { CredentialSetsStandIn, type CredentialSetsOptions } from '../support/credential-sets-stand-in';
import { LambdaInvokeStandIn, STAND_IN_ACCOUNT } from '../support/lambda-invoke-stand-in';
import { SignedApiStandIn } from '../support/signed-api-stand-in';
import { expectSameToken } from '../support/token-assertions';
import { WllAdminApiStandIn } from '../support/wll-admin-api-stand-in';

/**
 * The clients' `credentialSet` (CONTRACT section 8) against the Lambda Invoke API and the
 * SigV4-checking API Gateway stand-ins, with a function that selects sets the way the contract
 * says (test/support/credential-sets-stand-in.ts): the Lambda client invokes the set's alias, the
 * HTTP client calls the set's path and its signature verifies, tokens of two sets never mix in
 * one process, and an unknown set says what to check.
 */
const FUNCTION = 'wll-token-vendor';
const REGION = 'eu-west-1';
const CREDENTIALS = { accessKeyId: 'AKIDSETSTEST', secretAccessKey: 'sets-test-secret-key' };
const SETS = ['eu-prod', 'us-staging'];

let service: CredentialSetsStandIn;
let lambda: LambdaInvokeStandIn;
let api: SignedApiStandIn;

async function start(options: Partial<CredentialSetsOptions> = {}, aliases: readonly string[] = SETS): Promise<void> {
  service = new CredentialSetsStandIn({ sets: SETS, ...options });
  lambda = await LambdaInvokeStandIn.start({ functions: { [FUNCTION]: service.invoke }, aliases: { [FUNCTION]: aliases }, credentials: [CREDENTIALS], region: REGION });
  api = await SignedApiStandIn.start({ handler: service.api, region: REGION, credentials: [CREDENTIALS] });
}

afterEach(async () => {
  await Promise.all([lambda?.close(), api?.close()]);
});

function viaLambda(options: { credentialSet?: string; functionName?: string } = {}) {
  // One attempt: the SDK's own retries would hide what the stand-in answered.
  const client = new LambdaClient({ endpoint: lambda.endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
  return createTokenClient({ functionName: FUNCTION, client, ...options });
}

function viaHttp(options: { credentialSet?: string; url?: string; audience?: string } = {}) {
  return createHttpTokenClient({ url: api.url, region: REGION, credentials: CREDENTIALS, ...options });
}

const failure = (promise: Promise<unknown>) => promise.then(() => new Error('expected a failure'), (error: unknown) => error as Error);

describe('the Lambda client', () => {
  test("with credentialSet invokes the set's alias and gets that set's token; without, the unqualified function", async () => {
    await start();

    const eu = await viaLambda({ credentialSet: 'eu-prod' }).getToken();
    const plain = await viaLambda().getToken();

    expect(lambda.invocations).toEqual([
      { functionName: FUNCTION, qualifier: 'eu-prod', event: {} },
      { functionName: FUNCTION, event: {} },
    ]);
    expect(lambda.invocations[1]).not.toHaveProperty('qualifier');
    expect(eu.credentialSet).toBe('eu-prod');
    expectSameToken(eu.accessToken, service.current('eu-prod'));
    expect(plain.credentialSet).toBe('default');
    expectSameToken(plain.accessToken, service.current('default'));
  });

  test("refreshToken goes to the set's alias too, naming the set's refused token", async () => {
    await start();
    const tokens = viaLambda({ credentialSet: 'us-staging' });

    const held = await tokens.getToken();
    const fresh = await tokens.refreshToken();

    expect(lambda.invocations.map((i) => [i.qualifier, i.event])).toEqual([
      ['us-staging', {}],
      ['us-staging', { forceRefresh: true, replacesTokenSha256: tokenSha256(held) }],
    ]);
    expectSameToken(fresh.accessToken, service.current('us-staging'));
    expect(service.minted.get('us-staging')).toHaveLength(2);
  });

  test("the set's alias ARN (a stack output) works as functionName with the same credentialSet", async () => {
    await start();
    const aliasArn = `arn:aws:lambda:${REGION}:${STAND_IN_ACCOUNT}:function:${FUNCTION}:eu-prod`;

    const token = await viaLambda({ functionName: aliasArn, credentialSet: 'eu-prod' }).getToken();

    expect(token.credentialSet).toBe('eu-prod');
    expect(lambda.invocations[0]?.qualifier).toBe('eu-prod');
    expect(() => viaLambda({ functionName: aliasArn, credentialSet: 'us-staging' })).toThrow(
      /names the qualifier 'eu-prod', but credentialSet is 'us-staging'/,
    );
  });

  test('an alias that does not exist: "No alias <set> on function <fn>: is the set deployed?"', async () => {
    await start();

    const error = await failure(viaLambda({ credentialSet: 'eu-staging' }).getToken());

    expect(error).toBeInstanceOf(ServiceAccessError);
    expect(error.message).toMatch(
      /^No alias eu-staging on function wll-token-vendor \(Function not found: arn:aws:lambda:eu-west-1:\d{12}:function:wll-token-vendor:eu-staging\): is the set deployed\?/,
    );
    expect(lambda.invocations).toHaveLength(0);
  });

  test("an alias that exists but is not one of the function's sets: its default token is refused, not handed out", async () => {
    await start({}, [...SETS, 'live']);

    const error = await failure(viaLambda({ credentialSet: 'live' }).getToken());

    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/answered with a token of credential set 'default', not 'live' as asked: the alias exists, but the function has no credential set 'live'/);
    expect(error.message).not.toContain(service.current('default'));
  });

  test('a deployment without a default set: the BadRequestError naming the aliases says to pass credentialSet', async () => {
    await start({ withDefault: false });

    const error = await failure(viaLambda().getToken());

    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toMatch(/invoke the alias of a set \(eu-prod, us-staging\)\. \(This client invoked wll-token-vendor without a credential set: pass credentialSet, or --set for wll-token/);
    await expect(viaLambda({ credentialSet: 'eu-prod' }).getToken()).resolves.toMatchObject({ credentialSet: 'eu-prod' });
  });

  test('a deployment older than credential sets: answers without credentialSet are accepted', async () => {
    await start({ reportsSet: false });

    const token = await viaLambda({ credentialSet: 'eu-prod' }).getToken();

    expect(token).not.toHaveProperty('credentialSet');
    expectSameToken(token.accessToken, service.current('eu-prod'));
  });
});

describe('the HTTP client', () => {
  test("with credentialSet calls /sets/<set>/token and /sets/<set>/token/refresh, signed, and IAM's check of the signature passes", async () => {
    await start();
    const tokens = viaHttp({ credentialSet: 'eu-prod', audience: 'staging.wlloyalty.net' });

    const held = await tokens.getToken();
    const fresh = await tokens.refreshToken();

    expect(api.verdicts).toEqual([
      { ok: true, accessKeyId: CREDENTIALS.accessKeyId },
      { ok: true, accessKeyId: CREDENTIALS.accessKeyId },
    ]);
    expect(api.requests).toEqual([
      'GET /sets/eu-prod/token?audience=staging.wlloyalty.net',
      `POST /sets/eu-prod/token/refresh?audience=staging.wlloyalty.net&replacesTokenSha256=${tokenSha256(held)}`,
    ]);
    expect(held.credentialSet).toBe('eu-prod');
    expectSameToken(fresh.accessToken, service.current('eu-prod'));
  });

  test('without credentialSet: /token, as before', async () => {
    await start();

    const token = await viaHttp().getToken();

    expect(api.requests).toEqual(['GET /token']);
    expect(token.credentialSet).toBe('default');
  });

  test("the set's own URL is accepted with the same credentialSet, and refused with another", async () => {
    await start();

    const token = await viaHttp({ url: `${api.url}sets/us-staging/token`, credentialSet: 'us-staging' }).getToken();

    expect(api.requests).toEqual(['GET /sets/us-staging/token']);
    expect(token.credentialSet).toBe('us-staging');
    expect(() => viaHttp({ url: `${api.url}sets/us-staging/token`, credentialSet: 'eu-prod' })).toThrow(
      /the path of credential set 'us-staging', but credentialSet is 'eu-prod'/,
    );
  });

  test('an unknown set: 404 not_found, and a message saying to check that the set is deployed', async () => {
    await start();

    const error = await failure(viaHttp({ credentialSet: 'eu-staging' }).getToken());

    expect(error).toBeInstanceOf(ServiceAccessError);
    expect(error).toMatchObject({ status: 404, code: 'not_found' });
    expect(error.message).toMatch(/^No credential set 'eu-staging' at http:\/\/127\.0\.0\.1:\d+\/prod\/sets\/eu-staging\/token \(HTTP 404: No credential set 'eu-staging'\.\): is the set deployed\?/);
  });

  test('no default set: /token is 404, and the message says to pass credentialSet', async () => {
    await start({ withDefault: false });

    const error = await failure(viaHttp().getToken());

    // The same refusal, and advice, as an unqualified invocation's (wll-token exits 4 for both).
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toMatch(/no default credential set\. \(pass credentialSet, or --set for wll-token, with the set's name\.\)$/);
  });

  test("a principal IAM refuses for the set's path is told about the per-set grant", async () => {
    await start();

    const stranger = createHttpTokenClient({ url: api.url, region: REGION, credentials: { ...CREDENTIALS, secretAccessKey: 'wrong' }, credentialSet: 'eu-prod' });

    const error = await failure(stranger.getToken());

    expect(error).toMatchObject({ name: 'ServiceAccessError', status: 403 });
    expect(error.message).toMatch(/grantApiAccess\(grantee, \{ credentialSet: 'eu-prod' \}\)/);
    expect(api.forwarded).toBe(0);
  });
});

test('two sets in one process never share a token: separate requests, separate memory, separate refreshes', async () => {
  await start();
  const clients = {
    euLambda: viaLambda({ credentialSet: 'eu-prod' }),
    usLambda: viaLambda({ credentialSet: 'us-staging' }),
    euHttp: viaHttp({ credentialSet: 'eu-prod' }),
    usHttp: viaHttp({ credentialSet: 'us-staging' }),
  };

  // Concurrent first calls: each client asks for its own set; none rides on another's request.
  const [euLambda, usLambda, euHttp, usHttp] = await Promise.all(Object.values(clients).map((c) => c.getToken()));
  expect(service.requests.map((r) => `${r.via} ${r.credentialSet}`).sort()).toEqual(['http eu-prod', 'http us-staging', 'invoke eu-prod', 'invoke us-staging']);
  expectSameToken(euLambda!.accessToken, service.current('eu-prod'));
  expectSameToken(euHttp!.accessToken, service.current('eu-prod'));
  expectSameToken(usLambda!.accessToken, service.current('us-staging'));
  expectSameToken(usHttp!.accessToken, service.current('us-staging'));
  expect(euLambda!.accessToken).not.toBe(usLambda!.accessToken);

  // WLL refused eu-prod's token: only eu-prod's clients replace it; us-staging's keep theirs, from memory.
  const refreshed = await clients.euLambda.refreshToken();
  const again = await Promise.all([clients.usLambda.getToken(), clients.usHttp.getToken(), clients.euHttp.refreshToken({ replacing: euHttp! })]);

  expect(service.requests).toHaveLength(6);
  expect(service.minted.get('us-staging')).toHaveLength(1);
  expect(again[0].accessToken).toBe(usLambda!.accessToken);
  expect(again[1].accessToken).toBe(usHttp!.accessToken);
  // The HTTP client's refresh of the same refused eu-prod token got the one already minted (compare-and-refresh).
  expectSameToken(refreshed.accessToken, service.current('eu-prod'));
  expectSameToken(again[2].accessToken, service.current('eu-prod'));
  expect(service.minted.get('eu-prod')).toHaveLength(2);
});

describe('createWllFetch with a set', () => {
  const API_KEY = 'eu-tenant-api-key';
  let wll: WllAdminApiStandIn;
  const revoked = new Set<string>();

  beforeEach(async () => {
    revoked.clear();
    await start();
    // The EU tenant's API accepts only eu-prod's current tokens.
    wll = await WllAdminApiStandIn.start({ isCurrent: (token) => token === service.current('eu-prod') && !revoked.has(token), apiKey: API_KEY });
  });

  afterEach(() => wll.close());

  test.each([
    ['the Lambda client', () => viaLambda({ credentialSet: 'eu-prod' })],
    ['the HTTP client', () => viaHttp({ credentialSet: 'eu-prod' })],
  ])("sends the set's token, and after a 401 the set's replacement, through %s", async (_what, tokens) => {
    const wllFetch = createWllFetch({ tokens: tokens(), credentialSet: 'eu-prod', apiKey: API_KEY, baseUrl: wll.url });

    const first = await wllFetch('members');
    revoked.add(service.current('eu-prod'));
    const second = await wllFetch('members');

    expect([first.status, second.status]).toEqual([200, 200]);
    expect(wll.requests.map((r) => r.status)).toEqual([200, 401, 200]);
    const [used, refused, replacement] = wll.requests;
    expect(used?.authorization).toBe(refused?.authorization);
    expectSameToken(replacement?.authorization, `Bearer ${service.current('eu-prod')}`);
    expect(service.requests.map((r) => `${r.credentialSet}${r.forceRefresh ? ' refresh' : ''}`)).toEqual(['eu-prod', 'eu-prod refresh']);
    expect(service.minted.get('us-staging')).toBeUndefined();
  });

  test("a fetch for eu-prod never sends another set's token to the tenant's API", async () => {
    expect(() => createWllFetch({ tokens: viaLambda({ credentialSet: 'us-staging' }), credentialSet: 'eu-prod', baseUrl: wll.url })).toThrow(
      /createWllFetch is for credential set 'eu-prod', but tokens is a client of set 'us-staging'/,
    );
    expect(() => createWllFetch({ tokens: viaHttp(), credentialSet: 'eu-prod', baseUrl: wll.url })).toThrow(/but tokens is a client of set 'default'/);
    // Tokens of a client that does not say its set: its answer says which set it is.
    const plain = viaHttp();
    const tokens = { getToken: () => plain.getToken(), refreshToken: () => plain.refreshToken() };
    const wllFetch = createWllFetch({ tokens, credentialSet: 'eu-prod', apiKey: API_KEY, baseUrl: wll.url });

    await expect(wllFetch('members')).rejects.toThrow(/Refusing to send a token of credential set 'default' with createWllFetch for set 'eu-prod'/);
    expect(wll.requests).toEqual([]);
  });
});
