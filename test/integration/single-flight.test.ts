import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { tokenCacheKey } from '../../lambda/protocol/cache-key';
import { freePort } from '../support/dynamodb-local';
import { startHarness, type Harness } from '../support/harness';
import { invokeDirect, lambdaContext, vendOrFail, type Handler } from '../support/lambda-runtime';
import { capturedOutput } from '../support/log-capture';
import { expectSameToken } from '../support/token-assertions';

/**
 * Several containers (separate module instances of the real handler) sharing one
 * DynamoDB Local table: one issuer request per token lifetime (issue 4).
 */
let h: Harness;

beforeEach(async () => {
  h = await startHarness({ delayMs: 150 });
});

afterEach(async () => {
  jest.restoreAllMocks();
  await h.close();
});

const vend = vendOrFail;

function containers(count: number, env: Record<string, string> = {}): Handler[] {
  return Array.from({ length: count }, () => h.loadHandler(env));
}

/** Waits until `done` holds (another container's request in flight). */
async function eventually(done: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > giveUpAt) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function shiftClock(ms: number): void {
  const realNow = Date.now.bind(Date);
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + ms);
}

const tokenKey = (audience = 'wlloyalty.net') => tokenCacheKey(h.wll.url, h.client, audience);

test('a cold burst of 8 containers x 5 calls makes one issuer request', async () => {
  const handlers = containers(8);

  const results = await Promise.all(handlers.flatMap((handler) => Array.from({ length: 5 }, () => vend(handler))));

  expect(h.wll.requests).toBe(1);
  for (const result of results) expectSameToken(result.accessToken, h.wll.issued[0]?.accessToken);
  expect(results.filter((r) => r.source === 'issuer')).toHaveLength(5);
  expect(results.filter((r) => r.source === 'cache')).toHaveLength(35);
});

test('with the lease off (TOKEN_LEASE_SECONDS=0) each cold container asks for itself', async () => {
  const handlers = containers(4, { TOKEN_LEASE_SECONDS: '0' });

  await Promise.all(handlers.map((handler) => vend(handler)));

  expect(h.wll.requests).toBe(4);
});

test('a lease left by a crashed holder lapses, and the next container asks once', async () => {
  await h.dynamodb.send(
    new PutItemCommand({
      TableName: h.tableName,
      Item: { pk: { S: `lease#${tokenKey()}` }, leaseId: { S: 'crashed-container' }, leaseUntil: { N: String(Date.now() + 1_000) } },
    }),
  );
  const started = Date.now();

  const result = await vend(h.loadHandler());

  expect(result.source).toBe('issuer');
  expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  expect(h.wll.requests).toBe(1);
});

test('a container waits for the lease holder and gets its token from the table', async () => {
  const [first, second] = containers(2);

  const holder = vend(first!);
  await eventually(() => h.wll.requests === 1);
  const waiter = await vend(second!);

  expect(waiter.source).toBe('cache');
  expectSameToken(waiter.accessToken, (await holder).accessToken);
  expect(h.wll.requests).toBe(1);
});

test('early refresh: the first due caller renews inline; other containers pick the new token up from the table', async () => {
  h.wll.lifetimeSeconds = 3_600;
  const [first, second] = containers(2);
  const original = await vend(first!);
  await vend(second!);
  // 700 s left: inside the last quarter of the lifetime, still outside the 300 s margin.
  shiftClock((3_600 - 700) * 1000);

  const renewed = await vend(first!);
  const elsewhere = await vend(second!);
  const again = await vend(first!);

  expect(renewed.source).toBe('issuer');
  expectSameToken(renewed.accessToken, h.wll.issued[1]?.accessToken);
  expect(renewed.accessToken).not.toBe(original.accessToken);
  expect(elsewhere.source).toBe('cache');
  expectSameToken(elsewhere.accessToken, renewed.accessToken);
  expect(again.source).toBe('memory');
  expect(h.wll.requests).toBe(2);
});

test('early refresh: a slow issuer costs the due caller at most the refresh budget, and it gets the current token', async () => {
  h.wll.lifetimeSeconds = 3_600;
  const handler = h.loadHandler();
  const original = await vend(handler);
  shiftClock((3_600 - 700) * 1000);
  h.wll.delayMs = 10_000;

  const started = Date.now();
  const during = await vend(handler);
  const tookMs = Date.now() - started;
  const next = await vend(handler);

  expect(tookMs).toBeLessThan(3_000);
  expect(during.source).toBe('memory');
  expectSameToken(during.accessToken, original.accessToken);
  expect(next.source).toBe('memory');
  expect(capturedOutput()).toMatch(/Refresh ahead of expiry did not land/);
  // The attempt was cut short by our own budget, not failed by the issuer: no back-off for anyone.
  const { Item } = await h.dynamodb.send(new GetItemCommand({ TableName: h.tableName, Key: { pk: { S: `lease#${tokenKey()}` } }, ConsistentRead: true }));
  expect(Item?.notBefore).toBeUndefined();
  expect(Number(Item?.leaseUntil?.N)).toBe(0);
});

test('the scheduled refresh keeps the default audience warm and renews due tokens only', async () => {
  const scheduled = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };
  const handler = h.loadHandler();

  const first = await handler(scheduled, lambdaContext());
  const second = await handler(scheduled, lambdaContext());
  await vend(h.loadHandler(), { audience: 'staging.wlloyalty.net' });
  shiftClock(19 * 3_600_000);
  const third = await h.loadHandler()(scheduled, lambdaContext());

  const unused = ['staging.wlloyalty.net', 'production.wlloyalty.net'];
  expect(first).toEqual({ outcome: 'done', refreshed: ['wlloyalty.net'], current: [], unused, failed: [], minted: { today: 1, thisMonth: 1 } });
  expect(second).toEqual({ outcome: 'done', refreshed: [], current: ['wlloyalty.net'], unused, failed: [], minted: { today: 1, thisMonth: 1 } });
  expect(third).toMatchObject({ refreshed: ['wlloyalty.net', 'staging.wlloyalty.net'], current: [], unused: ['production.wlloyalty.net'], failed: [] });
  expect(h.wll.requests).toBe(4);
});

test('a failing scheduled refresh fails the invocation so the error alarm sees it', async () => {
  h.wll.setClients([]);

  const outcome = await invokeDirect(h.loadHandler(), { source: 'aws.events', 'detail-type': 'Scheduled Event' });

  expect(outcome).toMatchObject({ ok: false, errorType: 'CredentialsError' });
});

test('during a shared back-off, callers still get the valid token and nobody asks the issuer', async () => {
  h.wll.lifetimeSeconds = 3_600;
  const original = await vend(h.loadHandler());
  shiftClock((3_600 - 700) * 1000);
  h.wll.enqueue({ status: 429, body: '{"error":"too_many_requests"}', headers: { 'Retry-After': '120' } });

  // The first due container's refresh meets the 429, records the back-off, and answers with the current token.
  const refreshing = await vend(h.loadHandler());
  const { Item } = await h.dynamodb.send(new GetItemCommand({ TableName: h.tableName, Key: { pk: { S: `lease#${tokenKey()}` } }, ConsistentRead: true }));
  const others = await Promise.all(containers(3).map((handler) => vend(handler)));

  expectSameToken(refreshing.accessToken, original.accessToken);
  expect(Item?.backoffReason?.S).toBe('rate_limited');
  for (const result of others) expectSameToken(result.accessToken, original.accessToken);
  expect(h.wll.requests).toBe(2);
});

test('with DynamoDB unreachable the function still vends, warns and counts it', async () => {
  const closedPort = await freePort();
  const handler = h.loadHandler({ AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${closedPort}` });

  const first = await vend(handler);
  const second = await vend(handler);

  expect(first.source).toBe('issuer');
  expect(second.source).toBe('memory');
  expect(h.wll.requests).toBe(1);
  expect(capturedOutput()).toMatch(/"level":"WARN","message":"DynamoDB token cache unavailable/);
  expect(capturedOutput()).toMatch(/"CacheUnavailable":1/);
});
