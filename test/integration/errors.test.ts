import { PLACEHOLDER_SECRET_TEMPLATE } from '../../lambda/credentials/secret-format';
import { startHarness, type Harness } from '../support/harness';
import { apiEvent, callApi, invokeDirect, lambdaContext, type Handler } from '../support/lambda-runtime';

/**
 * Every error row of CONTRACT section 5, each produced by a real cause, through the
 * REST API event and through a direct invocation (section 4).
 */
let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});

afterEach(async () => {
  jest.restoreAllMocks();
  await h.close();
});

const NO_STORE = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', Pragma: 'no-cache' };

async function expectBoth(
  handler: Handler,
  expected: { status: number; error: string; errorType: string; message: RegExp },
  request: { event?: unknown; query?: Record<string, string> } = {},
): Promise<void> {
  const api = await callApi(handler, { query: request.query });
  expect(api.statusCode).toBe(expected.status);
  expect(api.headers).toMatchObject(NO_STORE);
  expect(api.body).toEqual({ error: expected.error, message: expect.stringMatching(expected.message) });

  const direct = await invokeDirect(handler, request.event ?? (request.query ? { ...request.query } : {}));
  expect(direct).toMatchObject({ ok: false, errorType: expected.errorType, errorMessage: expect.stringMatching(expected.message) });
}

describe('400 bad_request', () => {
  test('an unknown query parameter or event field never reaches the issuer', async () => {
    const handler = h.loadHandler();

    const api = await callApi(handler, { query: { audiences: 'wlloyalty.net' } });
    const direct = await invokeDirect(handler, { audience: 'wlloyalty.net', force: true });

    expect(api).toMatchObject({ statusCode: 400, headers: NO_STORE, body: { error: 'bad_request', message: expect.stringMatching(/Unknown query parameter 'audiences'/) } });
    expect(direct).toMatchObject({ ok: false, errorType: 'BadRequestError', errorMessage: expect.stringMatching(/Unknown field 'force'/) });
    expect(h.wll.requests).toBe(0);
    expect(h.secrets.readsOf(h.secretName)).toBe(0);
  });

  test('an audience that is not allowed', async () => {
    await expectBoth(
      h.loadHandler(),
      { status: 400, error: 'bad_request', errorType: 'BadRequestError', message: /Audience 'evil.example.com' is not allowed/ },
      { query: { audience: 'evil.example.com' } },
    );
    expect(h.wll.requests).toBe(0);
  });

  test.each([
    ['a string', 'give me a token'],
    ['an array', [{ audience: 'wlloyalty.net' }]],
    ['a non-boolean forceRefresh', { forceRefresh: 'yes' }],
    ['an empty audience', { audience: '' }],
    ['a numeric audience', { audience: 42 }],
  ])('a malformed direct event (%s)', async (_what, event) => {
    const outcome = await invokeDirect(h.loadHandler(), event);

    expect(outcome).toMatchObject({ ok: false, errorType: 'BadRequestError' });
    expect(h.wll.requests).toBe(0);
  });

  test.each<[string, unknown]>([
    ['a number', 5],
    ['a list', ['wlloyalty.net']],
    ['an object', { audience: 'wlloyalty.net' }],
    ['a boolean', true],
  ])('a query value that is %s is 400, not 500 (issue 17 defect 6)', async (_what, value) => {
    const handler = h.loadHandler();
    const event = { ...apiEvent(), queryStringParameters: { audience: value }, multiValueQueryStringParameters: { audience: [value] } };

    const response = (await handler(event, lambdaContext())) as { statusCode: number; body: string };

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({ error: 'bad_request', message: 'The audience parameter must be text: give it once, as ?audience=<value>.' });
    expect(h.wll.requests).toBe(0);
  });

  test('a malformed query: empty or repeated audience', async () => {
    const handler = h.loadHandler();

    const empty = await callApi(handler, { query: { audience: '' } });
    const repeated = await callApi(handler, { query: { audience: ['wlloyalty.net', 'staging.wlloyalty.net'] } });

    expect(empty).toMatchObject({ statusCode: 400, body: { error: 'bad_request' } });
    expect(repeated).toMatchObject({ statusCode: 400, body: { error: 'bad_request', message: expect.stringMatching(/more than once/) } });
    expect(h.wll.requests).toBe(0);
  });
});

test('404 not_found and 405 method_not_allowed for other paths and methods', async () => {
  const handler = h.loadHandler();

  const notFound = await callApi(handler, { path: '/tokens', resource: '/{proxy+}' });
  const wrongMethod = await callApi(handler, { method: 'POST', path: '/token' });
  const refreshByGet = await callApi(handler, { method: 'GET', path: '/token/refresh' });

  expect(notFound).toMatchObject({ statusCode: 404, headers: NO_STORE, body: { error: 'not_found' } });
  expect(wrongMethod).toMatchObject({ statusCode: 405, headers: { ...NO_STORE, Allow: 'GET' }, body: { error: 'method_not_allowed' } });
  expect(refreshByGet).toMatchObject({ statusCode: 405, headers: { Allow: 'POST' } });
  expect(h.wll.requests).toBe(0);
});

test('500 configuration_error names the variable and the accepted values', async () => {
  await expectBoth(h.loadHandler({ WLL_REGION: 'mars' }), {
    status: 500,
    error: 'configuration_error',
    errorType: 'ConfigurationError',
    message: /WLL_REGION is 'mars': accepted values are eu, us and me/,
  });
  await expectBoth(h.loadHandler({ WLL_REGION: 'eu', TOKEN_TABLE_NAME: undefined }), {
    status: 500,
    error: 'configuration_error',
    errorType: 'ConfigurationError',
    message: /TOKEN_TABLE_NAME is not set/,
  });
  expect(h.wll.requests).toBe(0);
});

describe('500 credentials_unavailable', () => {
  test('the secret does not exist', async () => {
    h.secrets.deleteSecret(h.secretName);
    await expectBoth(h.loadHandler(), {
      status: 500,
      error: 'credentials_unavailable',
      errorType: 'CredentialsError',
      message: /Could not read secret .*: the secret does not exist/,
    });
    expect(h.wll.requests).toBe(0);
  });

  test.each([
    ['not JSON', 'client_id=abc', /is not JSON/],
    ['no client_secret', JSON.stringify({ client_id: 'abc' }), /has no "client_secret" key/],
    ['an empty client_id', JSON.stringify({ client_id: ' ', client_secret: 'abcdefgh' }), /has an empty "client_id"/],
    ['the placeholder of a new stack', JSON.stringify({ ...PLACEHOLDER_SECRET_TEMPLATE, client_secret: 'generated-xyz' }), /credentials not set yet.*put-secret-value/],
  ])('the secret holds %s', async (_what, value, message) => {
    h.secrets.putSecretString(h.secretName, value);
    await expectBoth(h.loadHandler(), { status: 500, error: 'credentials_unavailable', errorType: 'CredentialsError', message });
    expect(h.wll.requests).toBe(0);
  });

  test('the secret is binary', async () => {
    h.secrets.putSecretBinary(h.secretName, Buffer.from('{"client_id":"a","client_secret":"b"}'));
    await expectBoth(h.loadHandler(), { status: 500, error: 'credentials_unavailable', errorType: 'CredentialsError', message: /binary data/ });
  });
});

test('502 credentials_rejected when the issuer refuses the client', async () => {
  h.wll.setClients([]);
  await expectBoth(h.loadHandler(), {
    status: 502,
    error: 'credentials_rejected',
    errorType: 'CredentialsError',
    message: /rejected the client credentials \(HTTP 401 access_denied: Unauthorized\).*holds the same credentials/,
  });
  // One request in all: a rejection is not retried with the same credentials, and it is
  // remembered, so the second call does not ask again.
  expect(h.wll.requests).toBe(1);
});

test('502 credentials_rejected when the client may not use the audience (403)', async () => {
  h.wll.setClients([{ ...h.client, audiences: ['wlloyalty.net'] }]);
  await expectBoth(
    h.loadHandler(),
    { status: 502, error: 'credentials_rejected', errorType: 'CredentialsError', message: /refused the client for audience 'staging.wlloyalty.net'/ },
    { query: { audience: 'staging.wlloyalty.net' } },
  );
});

describe('502 issuer_error', () => {
  test('the issuer keeps failing with 5xx: three attempts, then an error, then a shared back-off', async () => {
    const failure = { status: 503, body: '{"error":"temporarily_unavailable","error_description":"Service Unavailable"}' };
    h.wll.enqueue(failure, failure, failure);
    const handler = h.loadHandler();

    const api = await callApi(handler);
    const direct = await invokeDirect(h.loadHandler(), {});

    expect(api).toMatchObject({
      statusCode: 502,
      headers: NO_STORE,
      body: { error: 'issuer_error', message: expect.stringMatching(/failed after 3 attempts .*HTTP 503 temporarily_unavailable/) },
    });
    // Another container honours the back-off the first one recorded, instead of asking again.
    expect(direct).toMatchObject({ ok: false, errorType: 'IssuerError', errorMessage: expect.stringMatching(/failed recently.*nobody asks it again for \d+ s/) });
    expect(h.wll.requests).toBe(3);
  });

  test('an HTML page or an empty body is retried, then reported', async () => {
    const html = { status: 200, body: '<html><body>Bad gateway</body></html>', headers: { 'Content-Type': 'text/html' } };
    const empty = { status: 502, body: '' };
    h.wll.enqueue(html, empty, html);

    const outcome = await invokeDirect(h.loadHandler(), {});

    expect(outcome).toMatchObject({ ok: false, errorType: 'IssuerError', errorMessage: expect.stringMatching(/3 attempts.*not JSON/) });
  });

  test('an issuer that does not answer in time', async () => {
    h.wll.enqueue({ hang: true });
    const handler = h.loadHandler();

    // Two seconds left in the invocation: one attempt fits, then the function gives up in time.
    const response = await handler({}, lambdaContext(3_000)).catch((error: Error) => error);

    expect(response).toMatchObject({ name: 'IssuerError', message: expect.stringMatching(/no answer within/) });
    expect(h.wll.requests).toBe(1);
  });

  test('a well-formed but invalid token answer is not retried and not cached', async () => {
    h.wll.enqueue({ status: 200, body: JSON.stringify({ access_token: 'x'.repeat(40), token_type: 'mac', expires_in: 86400 }) });
    const handler = h.loadHandler();

    const outcome = await invokeDirect(handler, {});
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 11_000);
    const afterBackoff = await invokeDirect(handler, {});

    expect(outcome).toMatchObject({ ok: false, errorType: 'IssuerError', errorMessage: expect.stringMatching(/token_type/) });
    expect(afterBackoff).toMatchObject({ ok: true, result: { source: 'issuer' } });
    expect(h.wll.requests).toBe(2);
  });
});

test('503 rate_limited with Retry-After when the issuer asks for a long wait; others honour it', async () => {
  const tooMany = {
    status: 429,
    body: '{"error":"too_many_requests","error_description":"Global limit has been reached"}',
    headers: { 'Retry-After': '42', 'X-RateLimit-Limit': '30', 'X-RateLimit-Remaining': '0' },
  };
  h.wll.enqueue(tooMany);

  const api = await callApi(h.loadHandler());
  const direct = await invokeDirect(h.loadHandler(), {});

  expect(api).toMatchObject({ statusCode: 503, headers: { ...NO_STORE, 'Retry-After': '42' }, body: { error: 'rate_limited' } });
  // Other containers honour the back-off as recorded: 42 s plus the 2 s clock-skew tolerance.
  expect(direct).toMatchObject({ ok: false, errorType: 'RateLimitedError', errorMessage: expect.stringMatching(/retry after 4[34] seconds/) });
  const { retryAfterSeconds } = (direct as { error: { retryAfterSeconds: number } }).error;
  expect(retryAfterSeconds).toBeGreaterThanOrEqual(43);
  expect(retryAfterSeconds).toBeLessThanOrEqual(44);
  expect(h.wll.requests).toBe(1);
});

test('a short Retry-After is waited out and the call succeeds', async () => {
  h.wll.enqueue({ status: 429, body: '{"error":"too_many_requests"}', headers: { 'Retry-After': '1' } });

  const started = Date.now();
  const outcome = await invokeDirect(h.loadHandler(), {});

  expect(outcome).toMatchObject({ ok: true, result: { source: 'issuer' } });
  expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  expect(h.wll.requests).toBe(2);
});

test('an operator replacing the secret while the issuer rejects the old credentials recovers with one re-read', async () => {
  const handler = h.loadHandler();
  await invokeDirect(handler, {});
  const rotated = { ...h.client, clientSecret: `${h.client.clientSecret}-rotated` };
  h.wll.setClients([rotated]);
  h.putCredentials(rotated);
  const readsBefore = h.secrets.readsOf(h.secretName);
  const realNow = Date.now.bind(Date);
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 61_000);

  const outcome = await invokeDirect(handler, { forceRefresh: true });

  expect(outcome).toMatchObject({ ok: true, result: { source: 'issuer' } });
  expect(h.secrets.readsOf(h.secretName)).toBe(readsBefore + 1);
  expect(h.wll.requests).toBe(3);
});
