import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { tokenSha256 } from '../../client/fingerprint';
import { createTokenClient } from '../../client/lambda-client';
import { BadRequestError, ServiceAccessError } from '../../client/errors';
import { startLocalApi, type LocalApi } from '../../scripts/local/api-server';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_PAYLOAD_BYTES, serveInvoke } from '../../scripts/local/invoke-api';
import { newClient, startHarness, type Harness } from '../support/harness';
import type { Handler } from '../support/lambda-runtime';
import { expectSameToken } from '../support/token-assertions';

/**
 * Lambda's Invoke API as `npm start` serves it (scripts/local/invoke-api.ts), in front of the real
 * handler with credential sets, reached by the real LambdaClient through `endpoint`: the answers
 * and errors Lambda's own endpoint gives, and the qualifier reaching the handler as the alias in
 * `invokedFunctionArn`.
 */
const FUNCTION = 'wll-token-vendor';
const US_SECRET = 'wll/us-prod';

let h: Harness;
let api: LocalApi;
let handler: Handler;

beforeEach(async () => {
  h = await startHarness();
  const us = newClient(['staging.wlloyalty.net']);
  h.wll.setClients([h.client, us]);
  h.secrets.putSecretString(US_SECRET, JSON.stringify({ client_id: us.clientId, client_secret: us.clientSecret }));
  const sets = {
    'eu-prod': { secretId: h.secretName, tokenUrl: h.wll.url, audience: 'staging.wlloyalty.net' },
    'us-prod': { secretId: US_SECRET, tokenUrl: h.wll.url, audience: 'staging.wlloyalty.net' },
  };
  handler = h.loadHandler({ CREDENTIAL_SETS: JSON.stringify(sets) });
  api = await startLocalApi(handler, 0, { invokeHandler: handler, aliases: ['eu-prod', 'us-prod'] });
});

afterEach(async () => {
  await api.close();
  await h.close();
});

/** The SDK as a caller would point it at `npm start`: any credentials, one attempt so nothing hides an answer. */
function lambdaClient(): LambdaClient {
  return new LambdaClient({ endpoint: api.url, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDANY', secretAccessKey: 'any' }, maxAttempts: 1 });
}

async function invoke(input: Omit<ConstructorParameters<typeof InvokeCommand>[0], 'FunctionName'> & { FunctionName?: string }) {
  const output = await lambdaClient().send(new InvokeCommand({ FunctionName: FUNCTION, ...input }));
  return { ...output, payload: output.Payload ? (JSON.parse(new TextDecoder().decode(output.Payload)) as Record<string, unknown>) : undefined };
}

test('the TypeScript Lambda client gets tokens of the default set and of a named set, each through its own qualifier', async () => {
  const defaults = createTokenClient({ functionName: FUNCTION, client: lambdaClient() });
  const eu = createTokenClient({ functionName: FUNCTION, credentialSet: 'eu-prod', client: lambdaClient() });
  const us = createTokenClient({ functionName: FUNCTION, credentialSet: 'us-prod', client: lambdaClient() });

  const [fromDefault, fromEu, fromUs] = [await defaults.getToken(), await eu.getToken(), await us.getToken()];

  expect(fromDefault).toMatchObject({ credentialSet: 'default', audience: 'wlloyalty.net', source: 'issuer' });
  expect(fromEu).toMatchObject({ credentialSet: 'eu-prod', audience: 'staging.wlloyalty.net', source: 'issuer' });
  expect(fromUs).toMatchObject({ credentialSet: 'us-prod', audience: 'staging.wlloyalty.net', source: 'issuer' });
  expect(new Set(h.wll.issued.map((issued) => issued.clientId)).size).toBe(2);
  expect(h.wll.requests).toBe(3);
});

test('refreshToken replaces the refused token once; the replacement is then handed out', async () => {
  const tokens = createTokenClient({ functionName: FUNCTION, credentialSet: 'eu-prod', client: lambdaClient() });
  const other = createTokenClient({ functionName: FUNCTION, credentialSet: 'eu-prod', client: lambdaClient() });
  const refused = await tokens.getToken();
  await other.getToken();

  const replaced = await tokens.refreshToken();
  const again = await other.refreshToken({ replacing: refused });

  expect(replaced.source).toBe('issuer');
  expect(tokenSha256(replaced)).not.toBe(tokenSha256(refused));
  // The second caller refused with the same token gets the replacement, with no second mint.
  expectSameToken(again.accessToken, replaced.accessToken);
  expect(again.source).not.toBe('issuer');
  expect(h.wll.requests).toBe(2);
});

test('a function error comes back as Lambda reports it, and the client turns it into its typed error', async () => {
  const raw = await invoke({ Payload: new TextEncoder().encode('{"audience":"other.example"}') });
  const tokens = createTokenClient({ functionName: FUNCTION, audience: 'other.example', client: lambdaClient() });

  expect(raw.StatusCode).toBe(200);
  expect(raw.FunctionError).toBe('Unhandled');
  expect(raw.ExecutedVersion).toBe('$LATEST');
  expect(raw.payload).toMatchObject({ errorType: 'BadRequestError', errorMessage: expect.stringMatching(/^Audience 'other.example' is not allowed/) });
  expect(Array.isArray(raw.payload?.trace)).toBe(true);
  await expect(tokens.getToken()).rejects.toThrow(BadRequestError);
  expect(h.wll.requests).toBe(0);
});

test('the qualifier reaches the handler in the invoked ARN, from the Qualifier parameter or the name, and a set never from the payload', async () => {
  const byName = await invoke({ FunctionName: `${FUNCTION}:us-prod` });
  const byArn = await invoke({ FunctionName: `arn:aws:lambda:eu-west-1:123456789012:function:${FUNCTION}:us-prod` });
  const latest = await invoke({ Qualifier: '$LATEST' });
  const forged = await invoke({ Payload: new TextEncoder().encode('{"credentialSet":"us-prod"}') });

  expect(byName.payload).toMatchObject({ credentialSet: 'us-prod' });
  expect(byArn.payload).toMatchObject({ credentialSet: 'us-prod' });
  expect(latest.payload).toMatchObject({ credentialSet: 'default' });
  expect(forged).toMatchObject({ FunctionError: 'Unhandled', payload: { errorType: 'BadRequestError' } });
});

test('an alias that is not a set is ResourceNotFoundException, which the client reports as a set not deployed', async () => {
  const tokens = createTokenClient({ functionName: FUNCTION, credentialSet: 'ap-prod', client: lambdaClient() });

  await expect(invoke({ Qualifier: 'ap-prod' })).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
  await expect(tokens.getToken()).rejects.toThrow(ServiceAccessError);
  await expect(tokens.getToken()).rejects.toThrow(/^No alias ap-prod on function wll-token-vendor .*is the set deployed\?/);
  expect(h.wll.requests).toBe(0);
});

test("the API's own alias is not for direct invokers, as no grant names it once deployed", async () => {
  await expect(invoke({ Qualifier: 'api_gateway' })).rejects.toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
  expect(h.secrets.reads.size).toBe(0);
});

test.each<[string, Parameters<typeof invoke>[0], string, number]>([
  ['a payload that is not JSON', { Payload: new TextEncoder().encode('audience=x') }, 'InvalidRequestContentException', 400],
  ['a qualifier that disagrees with the name', { FunctionName: `${FUNCTION}:eu-prod`, Qualifier: 'us-prod' }, 'InvalidParameterValueException', 400],
  ['a name Lambda cannot parse', { FunctionName: 'wll token vendor' }, 'ValidationException', 400],
  ['a payload over 6 MB', { Payload: new TextEncoder().encode(`"${'a'.repeat(MAX_PAYLOAD_BYTES)}"`) }, 'RequestEntityTooLargeException', 413],
])('%s is refused as Lambda refuses it, before the function runs', async (_what, input, errorType, status) => {
  await expect(invoke(input)).rejects.toMatchObject({ name: errorType, $metadata: { httpStatusCode: status } });
  expect(h.secrets.reads.size).toBe(0);
});

test('DryRun answers 204 and runs nothing; Event answers 202 and runs the function once', async () => {
  const dryRun = await invoke({ InvocationType: 'DryRun' });
  expect(dryRun.StatusCode).toBe(204);
  expect(h.wll.requests).toBe(0);

  const queued = await invoke({ InvocationType: 'Event' });
  expect(queued).toMatchObject({ StatusCode: 202, payload: undefined });
  for (let waited = 0; h.wll.requests === 0 && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(h.wll.requests).toBe(1);
});

test('an unsigned request is served: there is no IAM here, as the banner says', async () => {
  const response = await fetch(`${api.url}2015-03-31/functions/${FUNCTION}/invocations?Qualifier=eu-prod`, { method: 'POST', body: '{}' });
  const body = (await response.json()) as Record<string, unknown>;

  expect(response.status).toBe(200);
  expect(response.headers.get('x-amz-executed-version')).toBe('$LATEST');
  expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
  expect(body).toMatchObject({ credentialSet: 'eu-prod', tokenType: 'Bearer' });
});

test("a function that outlives its timeout ends as Lambda's Sandbox.Timedout, not as a hung request", async () => {
  const hanging = createServer((req, res) => void serveInvoke({ handler: () => new Promise(() => undefined), aliases: [], timeoutMs: 300 }, req, res));
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  try {
    const endpoint = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
    const client = new LambdaClient({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDANY', secretAccessKey: 'any' }, maxAttempts: 1 });

    const output = await client.send(new InvokeCommand({ FunctionName: FUNCTION }));

    expect(output.FunctionError).toBe('Unhandled');
    expect(JSON.parse(new TextDecoder().decode(output.Payload))).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringMatching(/^RequestId: [0-9a-f-]{36} Error: Task timed out after 0\.30 seconds$/),
      trace: [],
    });
  } finally {
    hanging.closeAllConnections();
    await new Promise((resolve) => hanging.close(resolve));
  }
});
