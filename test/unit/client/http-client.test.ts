import { RateLimitedError, ServiceAccessError, UnexpectedError } from '../../../client/errors';
import { tokenSha256 } from '../../../client/fingerprint';
import { apiBaseUrl, createHttpTokenClient, regionOfApiHost } from '../../../client/http-client';
import { verifySentRequest, type SentRequest } from '../../support/sigv4-verifier';

const API = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/';
const CREDENTIALS = { accessKeyId: 'AKIDUNITTEST', secretAccessKey: 'unit-test-secret-key' };
const RESULT = {
  accessToken: 'tok-abc',
  tokenType: 'Bearer',
  expiresAt: '2026-11-30T12:00:00.000Z',
  expiresIn: 86_100,
  audience: 'wlloyalty.net',
  source: 'issuer',
};

type Sent = SentRequest;

/** A fetch that records what was sent and answers from a queue. */
function fakeFetch(...answers: Response[]) {
  const sent: Sent[] = [];
  const fetch = jest.fn((input: URL | RequestInfo, init?: RequestInit) => {
    const url = new URL(input instanceof URL ? input.href : typeof input === 'string' ? input : input.url);
    sent.push({ url, method: init?.method ?? 'GET', headers: { ...(init?.headers as Record<string, string>) } });
    const answer = answers.shift() ?? Response.json(RESULT);
    return Promise.resolve(answer);
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, sent, calls: fetch };
}

/** Checks a sent request's signature as API Gateway would. */
function verify(request: Sent, region = 'eu-west-1') {
  return verifySentRequest(request, region, CREDENTIALS);
}

test('GET {url}/token, signed with SigV4 for execute-api in the host name region', async () => {
  const { fetch, sent } = fakeFetch();
  const tokens = createHttpTokenClient({ url: API, credentials: CREDENTIALS, fetch });

  const result = await tokens.getToken();

  expect(result).toMatchObject({ accessToken: 'tok-abc', audience: 'wlloyalty.net' });
  expect(sent).toHaveLength(1);
  const request = sent[0] as Sent;
  expect(request.method).toBe('GET');
  expect(request.url.href).toBe(`${API}token`);
  expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDUNITTEST\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=host;/);
  expect(request.headers).not.toHaveProperty('host');
  expect(verify(request)).toEqual({ ok: true, accessKeyId: 'AKIDUNITTEST' });
});

test('the audience is a signed query parameter; refreshToken POSTs /token/refresh with the held token\'s fingerprint', async () => {
  const staging = () => Response.json({ ...RESULT, audience: 'staging.wlloyalty.net' });
  const { fetch, sent } = fakeFetch(staging(), staging());
  const tokens = createHttpTokenClient({ url: API, audience: 'staging.wlloyalty.net', credentials: CREDENTIALS, fetch });

  await tokens.getToken();
  await tokens.refreshToken();

  expect(sent.map((s) => `${s.method} ${s.url.pathname}${s.url.search}`)).toEqual([
    'GET /prod/token?audience=staging.wlloyalty.net',
    `POST /prod/token/refresh?audience=staging.wlloyalty.net&replacesTokenSha256=${tokenSha256('tok-abc')}`,
  ]);
  expect(sent.map((s) => verify(s).ok)).toEqual([true, true]);
});

test('session credentials from a provider sign with X-Amz-Security-Token', async () => {
  const { fetch, sent } = fakeFetch();
  const session = { ...CREDENTIALS, sessionToken: 'session-token-xyz' };
  const provider = jest.fn(() => Promise.resolve(session));

  await createHttpTokenClient({ url: API, credentials: provider, fetch }).getToken();

  expect(provider).toHaveBeenCalled();
  expect(sent[0]?.headers['x-amz-security-token']).toBe('session-token-xyz');
  expect(sent[0]?.headers.authorization).toContain('x-amz-security-token');
});

test('the token is kept, and concurrent calls share one request', async () => {
  const { fetch, calls } = fakeFetch();
  const tokens = createHttpTokenClient({ url: API, credentials: CREDENTIALS, fetch });

  await Promise.all(Array.from({ length: 5 }, () => tokens.getToken()));
  await tokens.getToken();

  expect(calls).toHaveBeenCalledTimes(1);
});

test('errors are typed: 503 rate_limited with Retry-After, 403 from API Gateway, garbage', async () => {
  const { fetch } = fakeFetch(
    Response.json({ error: 'rate_limited', message: 'Rate limited: retry after 30 seconds.' }, { status: 503, headers: { 'Retry-After': '45' } }),
    Response.json({ message: 'The request signature we calculated does not match the signature you provided.' }, { status: 403 }),
    new Response('tok-abc', { status: 200 }),
  );
  const tokens = createHttpTokenClient({ url: API, credentials: CREDENTIALS, fetch });

  await expect(tokens.getToken()).rejects.toEqual(expect.objectContaining({ name: 'RateLimitedError', retryAfterSeconds: 45 }));
  await expect(tokens.getToken()).rejects.toThrow(ServiceAccessError);
  const garbage = (await tokens.getToken().catch((e: unknown) => e)) as Error;
  expect(garbage).toBeInstanceOf(UnexpectedError);
  expect(garbage.message).not.toContain('tok-abc');
  expect(RateLimitedError).toBeDefined();
});

test('network failures are service access errors', async () => {
  const fetch = jest.fn(() => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } })));
  const tokens = createHttpTokenClient({ url: API, credentials: CREDENTIALS, fetch: fetch });

  await expect(tokens.getToken()).rejects.toMatchObject({ name: 'ServiceAccessError', retryable: true, message: expect.stringContaining('ECONNREFUSED') });
});

describe('the API URL', () => {
  test.each([
    ['https://abc123.execute-api.eu-west-1.amazonaws.com/prod/', 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/'],
    ['https://abc123.execute-api.eu-west-1.amazonaws.com/prod', 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/'],
    ['https://abc123.execute-api.eu-west-1.amazonaws.com/prod/token', 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/'],
    ['https://abc123.execute-api.eu-west-1.amazonaws.com/prod/token/refresh/', 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/'],
    ['https://tokens.example.com/', 'https://tokens.example.com/'],
    ['http://127.0.0.1:3000', 'http://127.0.0.1:3000/'],
    ['http://localhost:3000/token', 'http://localhost:3000/'],
  ])('%s has the base %s', (input, base) => {
    expect(apiBaseUrl(input).href).toBe(base);
  });

  test.each([
    ['not a url', /is not a URL/],
    ['http://abc123.execute-api.eu-west-1.amazonaws.com/prod/', /must use https/],
    ['https://abc123.execute-api.eu-west-1.amazonaws.com/prod/?audience=x', /must not carry a query/],
    ['https://user:pw@example.com/', /must not carry/],
  ])('%s is refused', (input, message) => {
    expect(() => apiBaseUrl(input)).toThrow(message);
  });

  test('the region comes from the host name', () => {
    expect(regionOfApiHost('abc123.execute-api.me-central-1.amazonaws.com')).toBe('me-central-1');
    expect(regionOfApiHost('abc123-vpce-0123.execute-api.us-east-2.vpce.amazonaws.com')).toBe('us-east-2');
    expect(regionOfApiHost('tokens.example.com')).toBeUndefined();
  });

  test('a custom domain signs for the given region', async () => {
    const { fetch, sent } = fakeFetch();

    await createHttpTokenClient({ url: 'https://tokens.example.com/', region: 'us-east-1', credentials: CREDENTIALS, fetch }).getToken();

    expect(verify(sent[0] as Sent, 'us-east-1').ok).toBe(true);
  });
});

describe('timeoutMs', () => {
  test.each([[-1], [0], [Number.NaN], [Number.POSITIVE_INFINITY], [2 ** 31], [1.5], ['5000']])('%p is refused when the client is made', (timeoutMs) => {
    const made = () => createHttpTokenClient({ url: API, credentials: CREDENTIALS, timeoutMs: timeoutMs as number });

    expect(made).toThrow(RangeError);
    expect(made).toThrow(/^timeoutMs must be a whole number of milliseconds from 1 to 2147483647/);
  });

  test('the longest timeout a timer can hold is accepted', () => {
    expect(() => createHttpTokenClient({ url: API, credentials: CREDENTIALS, timeoutMs: 2 ** 31 - 1 })).not.toThrow();
  });

  test('bounds the credential lookup too: a provider that never answers costs timeoutMs, then a named error', async () => {
    const { fetch, calls } = fakeFetch();
    const hanging = () => new Promise<typeof CREDENTIALS>(() => undefined);
    const tokens = createHttpTokenClient({ url: API, credentials: hanging, timeoutMs: 200, fetch });

    await expect(tokens.getToken()).rejects.toMatchObject({
      name: 'ServiceAccessError',
      retryable: true,
      message: expect.stringMatching(/^Finding AWS credentials to call the token API at .* took more than 200 ms \(timeoutMs\)/) as unknown,
    });
    expect(calls).not.toHaveBeenCalled();
  }, 5_000);
});
