import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { checkedCredentialSet } from '../../../client/credential-set';
import { tokenSha256 } from '../../../client/fingerprint';
import { errorFromFunctionPayload, errorFromHttpAnswer, errorFromMissingAlias } from '../../../client/error-mapping';
import { BadRequestError, ConfigurationError, ServiceAccessError, UnexpectedError } from '../../../client/errors';
import { apiBaseUrl, createHttpTokenClient } from '../../../client/http-client';
import { createTokenClient } from '../../../client/lambda-client';
import { createWllFetch } from '../../../client/wll-fetch';
import type { TokenClient } from '../../../client/token-client';
import type { TokenResult } from '../../../client/token-result';
import { verifySentRequest, type SentRequest } from '../../support/sigv4-verifier';

/**
 * The clients' `credentialSet` option (CONTRACT section 8) in isolation: names checked before
 * anything is sent, the Lambda client's Qualifier, the HTTP client's signed set path, the
 * messages for an unknown or ungranted set, and createWllFetch refusing another set's token.
 */
const lambda = mockClient(LambdaClient);
const API = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/';
const CREDENTIALS = { accessKeyId: 'AKIDUNITSETS', secretAccessKey: 'unit-sets-secret-key' };
const RESULT = { accessToken: 'tok-abc', tokenType: 'Bearer', expiresAt: '2026-11-30T12:00:00.000Z', expiresIn: 86_100, audience: 'wlloyalty.net', source: 'issuer' };
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

beforeEach(() => lambda.reset());

function recordingFetch(answer: () => Response = () => Response.json({ ...RESULT, credentialSet: 'eu-prod' })) {
  const sent: SentRequest[] = [];
  const fetch = (input: URL | RequestInfo, init?: RequestInit) => {
    sent.push({ url: new URL(input instanceof Request ? input.url : input), method: init?.method ?? 'GET', headers: { ...(init?.headers as Record<string, string>) } });
    return Promise.resolve(answer());
  };
  return { fetch: fetch, sent };
}

describe('set names are checked when a client is made', () => {
  test.each([
    ['EU-prod', /credentialSet 'EU-prod' is not a credential set name: a lowercase letter, then up to 39 lowercase letters, digits or hyphens, such as 'eu-prod'\./],
    ['1eu', /not a credential set name/],
    ['eu_prod', /not a credential set name/],
    ['eu/prod', /not a credential set name/],
    ['', /not a credential set name/],
    ['a'.repeat(41), /not a credential set name/],
  ])('%j', (credentialSet, message) => {
    expect(() => createTokenClient({ functionName: 'f', credentialSet })).toThrow(message);
    expect(() => createHttpTokenClient({ url: API, credentialSet })).toThrow(message);
    expect(() => createWllFetch({ tokens: fakeTokens(RESULT), credentialSet })).toThrow(message);
  });

  test('the longest and shortest names pass; the option named in the message is the caller\'s', () => {
    expect(checkedCredentialSet('a')).toBe('a');
    expect(checkedCredentialSet(`a${'-9'.repeat(19)}b`)).toHaveLength(40);
    expect(checkedCredentialSet(undefined)).toBeUndefined();
    expect(() => checkedCredentialSet(7, '--set')).toThrow(/^--set number is not a credential set name/);
  });
});

describe('the Lambda client', () => {
  const client = (options: { credentialSet?: string; functionName?: string } = {}) =>
    createTokenClient({ functionName: 'wll-token-vendor', client: new LambdaClient({ region: 'eu-west-1' }), ...options });

  test('credentialSet becomes the Qualifier of every invocation; without it there is none', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ ...RESULT, credentialSet: 'eu-prod' }) as never });
    const tokens = client({ credentialSet: 'eu-prod' });

    await tokens.getToken();
    await tokens.refreshToken();
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode(RESULT) as never });
    await client().getToken();

    const inputs = lambda.commandCalls(InvokeCommand).map((call) => call.args[0].input);
    expect(inputs.map((input) => input.FunctionName)).toEqual(['wll-token-vendor', 'wll-token-vendor', 'wll-token-vendor']);
    expect(inputs.map((input) => input.Qualifier)).toEqual(['eu-prod', 'eu-prod', undefined]);
    expect(inputs[2]).not.toHaveProperty('Qualifier');
    expect(tokens.credentialSet).toBe('eu-prod');
    expect(client().credentialSet).toBe('default');
  });

  test('a functionName naming another qualifier is refused; the same one is fine', () => {
    expect(() => client({ functionName: 'wll-token-vendor:live', credentialSet: 'eu-prod' })).toThrow(
      "functionName wll-token-vendor:live names the qualifier 'live', but credentialSet is 'eu-prod': give the unqualified function name (or the set's alias ARN) with credentialSet.",
    );
    expect(() => client({ functionName: 'arn:aws:lambda:eu-west-1:123456789012:function:wll-token-vendor:$LATEST', credentialSet: 'eu-prod' })).toThrow(/names the qualifier '\$LATEST'/);
    expect(() => client({ functionName: 'wll-token-vendor:eu-prod', credentialSet: 'eu-prod' })).not.toThrow();
    expect(() => client({ functionName: 'arn:aws:lambda:eu-west-1:123456789012:function:wll-token-vendor', credentialSet: 'eu-prod' })).not.toThrow();
  });

  test("Lambda's ResourceNotFoundException for the alias: is the set deployed?", async () => {
    lambda.on(InvokeCommand).rejects(
      new ResourceNotFoundException({ message: 'Function not found: arn:aws:lambda:eu-west-1:123456789012:function:wll-token-vendor:eu-prod', $metadata: { httpStatusCode: 404 } }),
    );

    const error = (await client({ credentialSet: 'eu-prod' }).getToken().catch((e: unknown) => e)) as ServiceAccessError;

    expect(error).toBeInstanceOf(ServiceAccessError);
    expect(error).toMatchObject({ status: 404, retryable: false });
    expect(error.message).toBe(
      'No alias eu-prod on function wll-token-vendor (Function not found: arn:aws:lambda:eu-west-1:123456789012:function:wll-token-vendor:eu-prod): ' +
        "is the set deployed? Check the set's name (the stack outputs name each set's alias ARN), the function name and the region.",
    );
  });

  test('access denied on the alias names the per-set grant', async () => {
    // What the SDK makes of Lambda's 403 for a principal without lambda:InvokeFunction on the alias.
    const denied = Object.assign(new Error('User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: lambda:InvokeFunction'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    });
    lambda.on(InvokeCommand).rejects(denied);

    const error = (await client({ credentialSet: 'eu-prod' }).getToken().catch((e: unknown) => e)) as Error;

    expect(error.message).toMatch(/^AWS refused the call to alias eu-prod of function wll-token-vendor \(AccessDeniedException: .*\): .*grantInvoke\(grantee, \{ credentialSet: 'eu-prod' \}\)/);
  });

  test('an answer for another set is a ConfigurationError and the token is not returned', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ ...RESULT, credentialSet: 'default' }) as never });

    const error = (await client({ credentialSet: 'eu-prod' }).getToken().catch((e: unknown) => e)) as Error;

    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/^Alias eu-prod of function wll-token-vendor answered with a token of credential set 'default', not 'eu-prod' as asked/);
    expect(error.message).not.toContain('tok-abc');
  });
});

describe('the HTTP client', () => {
  test('credentialSet prefixes the paths with sets/<name>/, and the signature of that path verifies', async () => {
    const { fetch, sent } = recordingFetch();
    const tokens = createHttpTokenClient({ url: API, credentialSet: 'eu-prod', credentials: CREDENTIALS, fetch });

    await tokens.getToken();
    await tokens.refreshToken({ replacing: 'tok-abc' });

    expect(sent.map((s) => `${s.method} ${s.url.pathname}${s.url.search}`)).toEqual([
      'GET /prod/sets/eu-prod/token',
      `POST /prod/sets/eu-prod/token/refresh?replacesTokenSha256=${tokenSha256('tok-abc')}`,
    ]);
    for (const request of sent) expect(verifySentRequest(request, 'eu-west-1', CREDENTIALS)).toEqual({ ok: true, accessKeyId: CREDENTIALS.accessKeyId });
    expect(tokens.credentialSet).toBe('eu-prod');
  });

  test('the base URL: TokenApiUrl, a /token URL, or the set\'s own path with the same set', () => {
    const base = (url: string, set?: string) => apiBaseUrl(url, set).href;

    expect(base(API, 'eu-prod')).toBe(API);
    expect(base(`${API}token`, 'eu-prod')).toBe(API);
    expect(base(`${API}sets/eu-prod/token`, 'eu-prod')).toBe(API);
    expect(base(`${API}sets/eu-prod/token/refresh`, 'eu-prod')).toBe(API);
    // Without credentialSet, a URL is taken as it is: as before sets existed.
    expect(base(`${API}sets/eu-prod/token`)).toBe(`${API}sets/eu-prod/`);
    expect(() => base(`${API}sets/us-prod/token`, 'eu-prod')).toThrow(
      "The API URL is the path of credential set 'us-prod', but credentialSet is 'eu-prod': pass the stack output TokenApiUrl with credentialSet.",
    );
  });
});

describe('error messages for sets (error-mapping)', () => {
  const headers = new Headers();
  const notFound = JSON.stringify({ error: 'not_found', message: "No credential set 'eu-prd'." });

  test('404 not_found on a set path: the set is unknown', () => {
    const error = errorFromHttpAnswer(404, headers, notFound, 'https://x/prod/sets/eu-prd/token', 'eu-prd');

    expect(error).toBeInstanceOf(ServiceAccessError);
    expect(error).toMatchObject({ status: 404, code: 'not_found' });
    expect(error.message).toMatch(/^No credential set 'eu-prd' at https:\/\/x\/prod\/sets\/eu-prd\/token \(HTTP 404: No credential set 'eu-prd'\.\): is the set deployed\?/);
  });

  test('404 not_found on /token: maybe a deployment without a default set', () => {
    const error = errorFromHttpAnswer(404, headers, JSON.stringify({ error: 'not_found', message: 'No default set.' }), 'https://x/prod/token');

    expect(error.message).toMatch(/^Nothing serves tokens at https:\/\/x\/prod\/token \(HTTP 404: No default set\.\): use the stack output TokenApiUrl; .* pass credentialSet \(--set for wll-token\)\.$/);
  });

  test("API Gateway's 403 on a set path names the per-set grant and a path the API lacks", () => {
    const error = errorFromHttpAnswer(403, headers, JSON.stringify({ message: 'Missing Authentication Token' }), 'https://x/prod/sets/eu-prod/token', 'eu-prod');

    expect(error).toMatchObject({ name: 'ServiceAccessError', status: 403 });
    expect(error.message).toMatch(/execute-api:Invoke on \/sets\/eu-prod\/token, granted by grantApiAccess\(grantee, \{ credentialSet: 'eu-prod' \}\)/);
    expect(error.message).toMatch(/Missing Authentication Token for a path the API does not have/);
  });

  test('a BadRequestError naming aliases says what to change in the client', () => {
    const payload = JSON.stringify({ errorType: 'BadRequestError', errorMessage: 'No default credential set: invoke an alias: eu-prod, us-prod.', trace: [] });

    const withoutSet = errorFromFunctionPayload(payload, 'fn');
    const withSet = errorFromFunctionPayload(payload, 'fn', 'eu-prod');
    const unrelated = errorFromFunctionPayload(JSON.stringify({ errorType: 'BadRequestError', errorMessage: "Audience 'x' is not allowed." }), 'fn');

    expect(withoutSet).toBeInstanceOf(BadRequestError);
    expect(withoutSet.message).toBe(
      'No default credential set: invoke an alias: eu-prod, us-prod. (This client invoked fn without a credential set: pass credentialSet, or --set for wll-token, with the set\'s name.)',
    );
    expect(withSet.message).toMatch(/\(This client invoked the alias eu-prod of fn: the function has no credential set 'eu-prod'; check the name and the construct's credentialSets\.\)$/);
    expect(unrelated.message).toBe("Audience 'x' is not allowed.");
  });

  test('only a ResourceNotFoundException is a missing alias', () => {
    expect(errorFromMissingAlias(new Error('boom'), 'fn', 'eu-prod')).toBeUndefined();
    expect(errorFromMissingAlias({ name: 'ResourceNotFoundException' }, 'fn', 'eu-prod')?.message).toMatch(/^No alias eu-prod on function fn: is the set deployed\?/);
  });
});

function fakeTokens(result: TokenResult | typeof RESULT, credentialSet?: string): Pick<TokenClient, 'getToken' | 'refreshToken' | 'credentialSet'> {
  return {
    ...(credentialSet === undefined ? {} : { credentialSet }),
    getToken: jest.fn(() => Promise.resolve(result as TokenResult)),
    refreshToken: jest.fn(() => Promise.resolve(result as TokenResult)),
  };
}

describe('createWllFetch with credentialSet', () => {
  test('a token client of another set is refused when the fetch is made', () => {
    expect(() => createWllFetch({ tokens: fakeTokens(RESULT, 'us-prod'), credentialSet: 'eu-prod' })).toThrow(
      "createWllFetch is for credential set 'eu-prod', but tokens is a client of set 'us-prod': create the token client with credentialSet: 'eu-prod'.",
    );
    expect(() => createWllFetch({ tokens: fakeTokens(RESULT, 'eu-prod'), credentialSet: 'eu-prod' })).not.toThrow();
  });

  test('a token the service says is of another set is never sent', async () => {
    const { fetch, sent } = recordingFetch(() => new Response('{}'));
    const wll = createWllFetch({ tokens: fakeTokens({ ...RESULT, credentialSet: 'default' } as TokenResult), credentialSet: 'eu-prod', fetch });

    await expect(wll('https://api.wlloyalty.net/v1/members')).rejects.toThrow(
      "Refusing to send a token of credential set 'default' with createWllFetch for set 'eu-prod': create the token client with credentialSet: 'eu-prod'.",
    );
    expect(sent).toEqual([]);
  });

  test("the set's own tokens, and those of a deployment that does not say, are sent", async () => {
    const { fetch, sent } = recordingFetch(() => new Response('{}'));

    await createWllFetch({ tokens: fakeTokens({ ...RESULT, credentialSet: 'eu-prod' } as TokenResult), credentialSet: 'eu-prod', fetch })('https://api.wlloyalty.net/v1/a');
    await createWllFetch({ tokens: fakeTokens(RESULT), credentialSet: 'eu-prod', fetch })('https://api.wlloyalty.net/v1/b');

    expect(sent.map((s) => s.url.pathname)).toEqual(['/v1/a', '/v1/b']);
  });
});

describe('a client of the default set expects the default set, and every client its audience', () => {
  const lambdaClient = (options: { credentialSet?: string; audience?: string } = {}) =>
    createTokenClient({ functionName: 'wll-token-vendor', client: new LambdaClient({ region: 'eu-west-1' }), ...options });
  const httpClient = (fetch: typeof globalThis.fetch, options: { credentialSet?: string; audience?: string } = {}) =>
    createHttpTokenClient({ url: API, credentials: CREDENTIALS, fetch, ...options });

  test("an unqualified Lambda client refuses another set's answer", async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ ...RESULT, credentialSet: 'eu-prod' }) as never });

    const error = (await lambdaClient().getToken().catch((e: unknown) => e)) as Error;

    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/^Function wll-token-vendor answered with a token of credential set 'eu-prod', not 'default' as asked/);
    expect(error.message).not.toContain('tok-abc');
  });

  test("an HTTP client without credentialSet refuses another set's answer from /token", async () => {
    const { fetch } = recordingFetch(() => Response.json({ ...RESULT, credentialSet: 'eu-prod' }));

    const error = (await httpClient(fetch).getToken().catch((e: unknown) => e)) as Error;

    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/answered with a token of credential set 'eu-prod', not 'default' as asked/);
  });

  test("credentialSet: 'default' is the default set: no Qualifier, /token, and pinned", async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ ...RESULT, credentialSet: 'default' }) as never });
    const { fetch, sent } = recordingFetch(() => Response.json({ ...RESULT, credentialSet: 'default' }));
    const viaLambda = lambdaClient({ credentialSet: 'default' });
    const viaHttp = httpClient(fetch, { credentialSet: 'default' });

    await expect(viaLambda.getToken()).resolves.toMatchObject({ credentialSet: 'default' });
    await expect(viaHttp.getToken()).resolves.toMatchObject({ credentialSet: 'default' });

    expect(lambda.commandCalls(InvokeCommand)[0]?.args[0].input).not.toHaveProperty('Qualifier');
    expect(sent[0]?.url.pathname).toBe('/prod/token');
    expect([viaLambda.credentialSet, viaHttp.credentialSet]).toEqual(['default', 'default']);
    expect(() => createWllFetch({ tokens: viaLambda, credentialSet: 'default' })).not.toThrow();
    expect(() => createWllFetch({ tokens: lambdaClient({ credentialSet: 'eu-prod' }), credentialSet: 'default' })).toThrow(
      /createWllFetch is for credential set 'default', but tokens is a client of set 'eu-prod'/,
    );
  });

  test("createWllFetch pinned to default never sends another set's token", async () => {
    const fetch = jest.fn(() => Promise.resolve(new Response('{}')));
    const wll = createWllFetch({ tokens: fakeTokens({ ...RESULT, credentialSet: 'eu-prod' } as TokenResult), credentialSet: 'default', baseUrl: 'https://api.example.com/v1/', fetch });

    await expect(wll('members')).rejects.toThrow(/Refusing to send a token of credential set 'eu-prod' with createWllFetch for set 'default'/);
    expect(fetch).not.toHaveBeenCalled();
  });

  test('a token for another audience than the one asked for is refused by both clients', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ ...RESULT, credentialSet: 'default' }) as never });
    const { fetch } = recordingFetch(() => Response.json({ ...RESULT, credentialSet: 'default' }));

    const errors = await Promise.all([
      lambdaClient({ audience: 'staging.wlloyalty.net' }).getToken().catch((e: unknown) => e as Error),
      httpClient(fetch, { audience: 'staging.wlloyalty.net' }).getToken().catch((e: unknown) => e as Error),
    ]);

    for (const error of errors) {
      expect(error).toBeInstanceOf(UnexpectedError);
      expect((error as Error).message).toMatch(/answered with a token for audience 'wlloyalty\.net', not 'staging\.wlloyalty\.net' as asked: .*The token was not used\./);
    }
  });
});
