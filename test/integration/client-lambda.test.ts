import { LambdaClient } from '@aws-sdk/client-lambda';
import { tokenSha256 } from '../../client/fingerprint';
import { createTokenClient } from '../../client/lambda-client';
import { BadRequestError, ConfigurationError, CredentialsError, IssuerError, RateLimitedError, ServiceAccessError } from '../../client/errors';
import { startHarness, type Harness } from '../support/harness';
import { LambdaInvokeStandIn } from '../support/lambda-invoke-stand-in';
import { expectSameToken } from '../support/token-assertions';

/**
 * The Lambda client against the real handler, through a stand-in of the Lambda Invoke
 * API that checks signatures and answers as Lambda does; the real LambdaClient
 * reaches it through `endpoint`.
 */
const FUNCTION = 'wll-token-vendor';
const CREDENTIALS = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'localTestSecretKey' };

let h: Harness;
let lambda: LambdaInvokeStandIn;

beforeEach(async () => {
  h = await startHarness({ delayMs: 20 });
  lambda = await LambdaInvokeStandIn.start({ functions: { [FUNCTION]: h.loadHandler() }, credentials: [CREDENTIALS] });
});

afterEach(async () => {
  await lambda.close();
  await h.close();
});

function lambdaClient(credentials = CREDENTIALS): LambdaClient {
  // One attempt: the SDK's own retries would hide what the stand-in answered.
  return new LambdaClient({ endpoint: lambda.endpoint, region: 'eu-west-1', credentials, maxAttempts: 1 });
}

function tokenClient(options: { audience?: string; functionName?: string; client?: LambdaClient } = {}) {
  return createTokenClient({ functionName: FUNCTION, client: lambdaClient(), ...options });
}

test('getToken invokes the function once, then answers from memory', async () => {
  const tokens = tokenClient();

  const first = await tokens.getToken();
  const second = await tokens.getToken();

  expect(lambda.invocations).toEqual([{ functionName: FUNCTION, event: {} }]);
  expectSameToken(first.accessToken, h.wll.issued[0]?.accessToken);
  expectSameToken(second.accessToken, first.accessToken);
  expect(first).toMatchObject({ tokenType: 'Bearer', audience: 'wlloyalty.net', source: 'issuer' });
  expect(first.expiresIn).toBeGreaterThan(86_000);
});

test('ten concurrent getToken() calls make one invocation', async () => {
  const tokens = tokenClient();

  const results = await Promise.all(Array.from({ length: 10 }, () => tokens.getToken()));

  expect(lambda.invocations).toHaveLength(1);
  expect(h.wll.requests).toBe(1);
  for (const result of results) expectSameToken(result.accessToken, h.wll.issued[0]?.accessToken);
});

test('the audience goes in the event; refreshToken asks with forceRefresh and the held token\'s fingerprint', async () => {
  const tokens = tokenClient({ audience: 'staging.wlloyalty.net' });

  const token = await tokens.getToken();
  const refreshed = await tokens.refreshToken();

  expect(lambda.invocations.map((i) => i.event)).toEqual([
    { audience: 'staging.wlloyalty.net' },
    { audience: 'staging.wlloyalty.net', forceRefresh: true, replacesTokenSha256: tokenSha256(token) },
  ]);
  expect(token.audience).toBe('staging.wlloyalty.net');
  // The refused token was still the service's current one: it minted a new one (CONTRACT section 4).
  expect(h.wll.requests).toBe(2);
  expectSameToken(refreshed.accessToken, h.wll.issued[1]?.accessToken);
});

test('a function ARN works as the name', async () => {
  const tokens = tokenClient({ functionName: `arn:aws:lambda:eu-west-1:123456789012:function:${FUNCTION}` });

  await expect(tokens.getToken()).resolves.toMatchObject({ audience: 'wlloyalty.net' });
});

describe("the function's errors come back typed (CONTRACT section 4)", () => {
  test('BadRequestError: an audience that is not allowed', async () => {
    const error = await tokenClient({ audience: 'evil.example.com' }).getToken().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as Error).message).toMatch(/Audience 'evil.example.com' is not allowed/);
    expect(h.wll.requests).toBe(0);
  });

  test('ConfigurationError: a function with an invalid setting', async () => {
    const misconfigured = await LambdaInvokeStandIn.start({
      functions: { broken: h.loadHandler({ WLL_REGION: 'mars' }) },
      credentials: [CREDENTIALS],
    });
    try {
      const client = new LambdaClient({ endpoint: misconfigured.endpoint, region: 'eu-west-1', credentials: CREDENTIALS, maxAttempts: 1 });

      const error = await createTokenClient({ functionName: 'broken', client }).getToken().catch((e: unknown) => e);

      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toMatch(/WLL_REGION is 'mars'/);
    } finally {
      await misconfigured.close();
    }
  });

  test('CredentialsError: the issuer rejects the client', async () => {
    h.wll.setClients([]);

    await expect(tokenClient().getToken()).rejects.toThrow(CredentialsError);
  });

  test('IssuerError: the issuer refuses the request', async () => {
    h.wll.enqueue({ status: 400, body: JSON.stringify({ error: 'invalid_request', error_description: 'Bad request' }) });

    await expect(tokenClient().getToken()).rejects.toThrow(IssuerError);
  });

  test('RateLimitedError carries retryAfterSeconds', async () => {
    h.wll.enqueue({ status: 429, body: JSON.stringify({ error: 'too_many_requests' }), headers: { 'Retry-After': '120' } });

    const error = await tokenClient().getToken().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterSeconds).toBe(120);
  });
});

describe("Lambda's own refusals are ServiceAccessErrors", () => {
  test('the function does not exist', async () => {
    const error = await tokenClient({ functionName: 'no-such-function' }).getToken().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ServiceAccessError);
    expect((error as Error).message).toMatch(/Function no-such-function was not found \(Function not found: arn:aws:lambda:eu-west-1:\d+:function:no-such-function\)/);
  });

  test('throttled, and a failure is not remembered', async () => {
    const tokens = tokenClient();
    lambda.throttleNext(1);

    const error = await tokens.getToken().catch((e: unknown) => e);
    const next = await tokens.getToken();

    expect(error).toMatchObject({ name: 'ServiceAccessError', retryable: true, message: expect.stringMatching(/throttling/) });
    expect(next.audience).toBe('wlloyalty.net');
  });

  test('a bad signature (wrong secret key)', async () => {
    const client = lambdaClient({ ...CREDENTIALS, secretAccessKey: 'not-the-right-key' });

    const error = await tokenClient({ client }).getToken().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ServiceAccessError);
    expect((error as Error).message).toMatch(/InvalidSignatureException.*lambda:InvokeFunction/);
    expect(lambda.invocations).toHaveLength(0);
  });
});
