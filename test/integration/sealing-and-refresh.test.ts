import { createHash } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { openPerContract } from '../support/contract-seal';
import { startHarness, type Harness } from '../support/harness';
import { apiEvent, callApi, lambdaContext, vendOrFail } from '../support/lambda-runtime';
import { capturedOutput } from '../support/log-capture';
import { expectSameToken } from '../support/token-assertions';

/**
 * Issue 9 through the real handler: tokens sealed at rest (CONTRACT section 3),
 * compare-and-refresh across containers and over the API (section 4), and the audit line
 * naming who got which token.
 */
let h: Harness;

beforeEach(async () => {
  h = await startHarness({ delayMs: 20 });
});

afterEach(async () => {
  jest.restoreAllMocks();
  await h.close();
});

const sha256 = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

test('after a run, no attribute of any item holds a token or the client secret, and every token item opens to the token served', async () => {
  const handlers = [h.loadHandler(), h.loadHandler()];
  const served = [
    await vendOrFail(handlers[0]!),
    await vendOrFail(handlers[1]!, { audience: 'staging.wlloyalty.net' }),
    await vendOrFail(handlers[0]!, { audience: 'production.wlloyalty.net' }),
  ];
  const refusedSha = sha256(served[0]!.accessToken as string);
  served.push(await vendOrFail(handlers[1]!, { forceRefresh: true, replacesTokenSha256: refusedSha }));

  const { Items = [] } = await h.dynamodb.send(new ScanCommand({ TableName: h.tableName, ConsistentRead: true }));
  const everyValue = JSON.stringify(Items);
  for (const issued of h.wll.issued) expect(everyValue.includes(issued.accessToken)).toBe(false);
  expect(everyValue.includes(h.client.clientSecret)).toBe(false);

  const tokenItems = Items.filter((item) => item.pk?.S?.startsWith('token#'));
  expect(tokenItems).toHaveLength(3);
  const opened = tokenItems.map((item) => openPerContract(item, h.client)).sort();
  const current = [served[3], served[1], served[2]].map((s) => s!.accessToken as string).sort();
  expect(opened).toEqual(current);
});

test('compare-and-refresh over the API: callers in 3 containers refused at once cause one mint, a stale memory included', async () => {
  const handlers = [h.loadHandler(), h.loadHandler(), h.loadHandler()];
  const refused = await vendOrFail(handlers[0]!);
  await Promise.all(handlers.map((handler) => vendOrFail(handler)));
  const query = { replacesTokenSha256: sha256(refused.accessToken as string) };

  const answers = await Promise.all(
    Array.from({ length: 9 }, (_, i) => callApi(handlers[i % 3]!, { method: 'POST', path: '/token/refresh', query })),
  );

  expect(h.wll.requests).toBe(2);
  for (const answer of answers) {
    expect(answer.statusCode).toBe(200);
    expectSameToken(answer.body.accessToken, h.wll.issued[1]?.accessToken);
  }
  // Every container now serves the new token, including those that held the refused one.
  for (const handler of handlers) expectSameToken((await vendOrFail(handler)).accessToken, h.wll.issued[1]?.accessToken);
  expect(capturedOutput()).toMatch(/"ForcedRefreshes":1/);
});

test('a malformed fingerprint is a 400 bad_request and a BadRequestError, and reaches nobody', async () => {
  const handler = h.loadHandler();

  const api = await callApi(handler, { method: 'POST', path: '/token/refresh', query: { replacesTokenSha256: 'not-a-sha' } });
  const direct = await vendOrFail(handler, { forceRefresh: true, replacesTokenSha256: 'f'.repeat(63) }).catch((e: Error) => e);

  expect(api).toMatchObject({ statusCode: 400, body: { error: 'bad_request', message: expect.stringMatching(/SHA-256 of the refused token/) } });
  expect((direct as Error).message).toMatch(/BadRequestError: The event field replacesTokenSha256 must be the SHA-256/);
  expect(h.wll.requests).toBe(0);
  expect(h.secrets.readsOf(h.secretName)).toBe(0);
});

test('each API answer logs who got which token: the caller the event claims and the fingerprint prefix, never the token or the signature', async () => {
  const handler = h.loadHandler();
  const signature = 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeed';
  const event = apiEvent({ query: { audience: 'staging.wlloyalty.net' } });
  event.headers = { ...event.headers, Authorization: `AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261129/eu-west-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}` };
  event.requestContext.identity.sourceIp = '198.51.100.7';

  const response = (await handler(event, lambdaContext())) as APIGatewayProxyResult;
  const token = (JSON.parse(response.body) as { accessToken: string }).accessToken;
  await vendOrFail(handler, {});

  const lines = capturedOutput()
    .split('\n')
    .filter((line) => line.includes('"Token vended"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .slice(-2);
  // Without credential sets API Gateway invokes the unqualified function, as any invoker of the
  // default set can: the caller is what the event claims, and the line says so (CONTRACT section 8).
  expect(lines[0]).toMatchObject({
    entry: 'invoke',
    invokedFunctionArn: expect.stringMatching(/:function:[^:]+$/),
    audience: 'staging.wlloyalty.net',
    source: 'issuer',
    tokenSha256Prefix: sha256(token).slice(0, 12),
    claimedCaller: { userArn: 'arn:aws:sts::123456789012:assumed-role/caller/session', accountId: '123456789012', sourceIp: '198.51.100.7' },
  });
  expect(lines[0]).not.toHaveProperty('caller');
  expect(lines[1]).toMatchObject({ entry: 'invoke', invokedFunctionArn: expect.stringMatching(/^arn:aws:lambda:/) });
  expect(capturedOutput()).not.toContain(signature);
  expect(capturedOutput()).not.toContain('AKIAEXAMPLE');
});
