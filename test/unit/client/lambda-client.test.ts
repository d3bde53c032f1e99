import { createHash } from 'node:crypto';
import { InvokeCommand, LambdaClient, ResourceNotFoundException, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { BadRequestError, RateLimitedError, ServiceAccessError, UnexpectedError } from '../../../client/errors';
import { tokenSha256 } from '../../../client/fingerprint';
import { createTokenClient, regionOfArn } from '../../../client/lambda-client';

const lambda = mockClient(LambdaClient);
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const decode = (payload: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(payload)) as unknown;

const RESULT = {
  accessToken: 'tok-abc',
  tokenType: 'Bearer',
  expiresAt: '2026-11-30T12:00:00.000Z',
  expiresIn: 86_100,
  audience: 'wlloyalty.net',
  source: 'cache',
};

beforeEach(() => {
  lambda.reset();
});

function client(options: { audience?: string } = {}) {
  return createTokenClient({ functionName: 'wll-token-vendor', client: new LambdaClient({ region: 'eu-west-1' }), ...options });
}

test('invokes RequestResponse with {} and returns the result', async () => {
  lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode(RESULT) as never });

  const result = await client().getToken();

  expect(result).toMatchObject({ ...RESULT, expiresIn: expect.any(Number) });
  expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
  const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
  expect(input).toMatchObject({ FunctionName: 'wll-token-vendor', InvocationType: 'RequestResponse' });
  expect(decode(input?.Payload as Uint8Array)).toEqual({});
});

test('the audience goes in the event; refreshToken adds forceRefresh and the fingerprint of the token it replaces', async () => {
  lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ ...RESULT, audience: 'staging.wlloyalty.net' }) as never });
  const tokens = client({ audience: 'staging.wlloyalty.net' });

  const held = await tokens.getToken();
  await tokens.refreshToken();

  const events = lambda.commandCalls(InvokeCommand).map((call) => decode(call.args[0].input.Payload as Uint8Array));
  expect(events).toEqual([
    { audience: 'staging.wlloyalty.net' },
    { audience: 'staging.wlloyalty.net', forceRefresh: true, replacesTokenSha256: createHash('sha256').update(held.accessToken).digest('hex') },
  ]);
  expect(tokenSha256(held)).toMatch(/^[0-9a-f]{64}$/);
  expect((events[1] as { replacesTokenSha256: string }).replacesTokenSha256).toBe(tokenSha256(held.accessToken));
});

test('a function error comes back typed', async () => {
  lambda.on(InvokeCommand).resolves({
    StatusCode: 200,
    FunctionError: 'Unhandled',
    Payload: encode({ errorType: 'BadRequestError', errorMessage: "Audience 'x' is not allowed.", trace: [] }) as never,
  });

  await expect(client().getToken()).rejects.toThrow(BadRequestError);
});

test('a rate limit carries retryAfterSeconds', async () => {
  lambda.on(InvokeCommand).resolves({
    StatusCode: 200,
    FunctionError: 'Unhandled',
    Payload: encode({ errorType: 'RateLimitedError', errorMessage: 'Rate limited (HTTP 429): retry after 120 seconds.', trace: [] }) as never,
  });

  const error = (await client().getToken().catch((e: unknown) => e)) as RateLimitedError;
  expect(error).toBeInstanceOf(RateLimitedError);
  expect(error.retryAfterSeconds).toBe(120);
});

test("Lambda's own errors are service access errors", async () => {
  lambda
    .on(InvokeCommand)
    .rejectsOnce(new ResourceNotFoundException({ message: 'Function not found: arn:aws:lambda:eu-west-1:1:function:wll-token-vendor', $metadata: {} }))
    .rejectsOnce(new TooManyRequestsException({ message: 'Rate Exceeded.', $metadata: { httpStatusCode: 429 } }));
  const tokens = client();

  await expect(tokens.getToken()).rejects.toMatchObject({ name: 'ServiceAccessError', retryable: false, message: expect.stringMatching(/was not found/) });
  await expect(tokens.getToken()).rejects.toMatchObject({ name: 'ServiceAccessError', retryable: true });
});

test('an answer that is not a token result is unexpected, and the payload is not echoed', async () => {
  lambda
    .on(InvokeCommand)
    .resolvesOnce({ StatusCode: 200, Payload: encode({ ...RESULT, tokenType: 'MAC' }) as never })
    .resolvesOnce({ StatusCode: 200, Payload: new TextEncoder().encode('tok-abc but not json') as never });
  const tokens = client();

  const notResult = (await tokens.getToken().catch((e: unknown) => e)) as Error;
  expect(notResult).toBeInstanceOf(UnexpectedError);
  expect(notResult.message).toMatch(/tokenType is not Bearer/);
  expect(notResult.message).not.toContain('tok-abc');
  await expect(tokens.getToken()).rejects.toThrow(UnexpectedError);
});

test('options are checked when the client is made', () => {
  expect(() => createTokenClient({ functionName: '' })).toThrow(/needs functionName/);
  expect(() => createTokenClient({ functionName: 'f', audience: '' })).toThrow(/non-empty/);
  expect(ServiceAccessError).toBeDefined();
});

test('the region of a function ARN', () => {
  expect(regionOfArn('arn:aws:lambda:me-central-1:123456789012:function:wll-token-vendor')).toBe('me-central-1');
  expect(regionOfArn('wll-token-vendor')).toBeUndefined();
});
