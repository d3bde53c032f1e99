import { BadRequestError, ConfigurationError, CredentialsError, IssuerError, RateLimitedError, ServiceAccessError } from '../../client/errors';
import { createHttpTokenClient, type AwsCredentials } from '../../client/http-client';
import { startHarness, type Harness } from '../support/harness';
import { SignedApiStandIn } from '../support/signed-api-stand-in';
import { expectSameToken } from '../support/token-assertions';

/**
 * The SigV4 client against the real handler behind a stand-in of the deployed REST
 * API: a `/prod` stage and `AWS_IAM` authorization that recomputes each signature
 * with known test credentials and answers 403 when it does not match.
 */
const REGION = 'eu-west-1';
const CREDENTIALS = { accessKeyId: 'AKIDHTTPTEST', secretAccessKey: 'http-test-secret-key' };
const SESSION = { accessKeyId: 'ASIAHTTPTEST', secretAccessKey: 'http-session-secret-key', sessionToken: 'http-session-token' };

let h: Harness;
let api: SignedApiStandIn;

beforeEach(async () => {
  h = await startHarness({ delayMs: 20 });
  api = await SignedApiStandIn.start({ handler: h.loadHandler(), region: REGION, credentials: [CREDENTIALS, SESSION] });
});

afterEach(async () => {
  await api.close();
  await h.close();
});

function tokenClient(options: { audience?: string; url?: string; credentials?: AwsCredentials; region?: string } = {}) {
  return createHttpTokenClient({ url: api.url, region: REGION, credentials: CREDENTIALS, ...options });
}

test('a signed GET /token passes IAM and returns the token; the next call answers from memory', async () => {
  const tokens = tokenClient();

  const first = await tokens.getToken();
  const second = await tokens.getToken();

  expect(api.verdicts).toEqual([{ ok: true, accessKeyId: CREDENTIALS.accessKeyId }]);
  expectSameToken(first.accessToken, h.wll.issued[0]?.accessToken);
  expectSameToken(second.accessToken, first.accessToken);
  expect(first).toMatchObject({ tokenType: 'Bearer', audience: 'wlloyalty.net', source: 'issuer' });
});

test('ten concurrent getToken() calls make one request', async () => {
  const tokens = tokenClient();

  const results = await Promise.all(Array.from({ length: 10 }, () => tokens.getToken()));

  expect(api.forwarded).toBe(1);
  expect(h.wll.requests).toBe(1);
  for (const result of results) expectSameToken(result.accessToken, h.wll.issued[0]?.accessToken);
});

test('the audience query and POST /token/refresh are signed too; a URL ending in /token works', async () => {
  const tokens = tokenClient({ url: `${api.url}token`, audience: 'staging.wlloyalty.net' });

  const token = await tokens.getToken();
  const refreshed = await tokens.refreshToken();

  expect(api.verdicts.every((v) => v.ok)).toBe(true);
  expect(api.forwarded).toBe(2);
  expect(token.audience).toBe('staging.wlloyalty.net');
  // The refused token (the one held) was still current: the service minted a new one.
  expect(h.wll.requests).toBe(2);
  expectSameToken(refreshed.accessToken, h.wll.issued[1]?.accessToken);
});

test('temporary credentials sign with their session token', async () => {
  await expect(tokenClient({ credentials: SESSION }).getToken()).resolves.toMatchObject({ audience: 'wlloyalty.net' });

  const withoutToken = { accessKeyId: SESSION.accessKeyId, secretAccessKey: SESSION.secretAccessKey };
  await expect(tokenClient({ credentials: withoutToken }).getToken()).rejects.toThrow(ServiceAccessError);
});

describe('a bad signature is refused before the handler', () => {
  test.each([
    ['the wrong secret key', { credentials: { ...CREDENTIALS, secretAccessKey: 'wrong-secret-key' } }, /signature we calculated does not match/],
    ['the wrong region', { region: 'us-east-1' }, /scoped to a valid region/],
    ['an unknown access key', { credentials: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' } }, /security token included in the request is invalid/],
  ])('%s', async (_what, options, message) => {
    const error = await tokenClient(options).getToken().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ServiceAccessError);
    expect(error).toMatchObject({ status: 403 });
    expect((error as Error).message).toMatch(message);
    expect(api.forwarded).toBe(0);
    expect(h.wll.requests).toBe(0);
  });

  test('a path outside the stage', async () => {
    const outside = api.url.replace('/prod/', '/dev/');

    await expect(tokenClient({ url: outside }).getToken()).rejects.toThrow(/Missing Authentication Token/);
  });
});

describe("the service's errors come back typed (CONTRACT section 5)", () => {
  test('400 bad_request', async () => {
    const error = await tokenClient({ audience: 'evil.example.com' }).getToken().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, code: 'bad_request' });
  });

  test('500 configuration_error', async () => {
    const broken = await SignedApiStandIn.start({
      handler: h.loadHandler({ WLL_REGION: 'mars' }),
      region: REGION,
      credentials: [CREDENTIALS],
    });
    try {
      const error = await tokenClient({ url: broken.url }).getToken().catch((e: unknown) => e);

      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toMatch(/WLL_REGION is 'mars'/);
    } finally {
      await broken.close();
    }
  });

  test('502 credentials_rejected', async () => {
    h.wll.setClients([]);

    const error = await tokenClient().getToken().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CredentialsError);
    expect(error).toMatchObject({ status: 502, reason: 'rejected' });
  });

  test('502 issuer_error', async () => {
    h.wll.enqueue({ status: 400, body: JSON.stringify({ error: 'invalid_request', error_description: 'Bad request' }) });

    await expect(tokenClient().getToken()).rejects.toThrow(IssuerError);
  });

  test('503 rate_limited with Retry-After', async () => {
    h.wll.enqueue({ status: 429, body: JSON.stringify({ error: 'too_many_requests' }), headers: { 'Retry-After': '120' } });

    const error = await tokenClient().getToken().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ status: 503, retryAfterSeconds: 120 });
  });
});
