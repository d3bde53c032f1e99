import { GetItemCommand, PutItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { tokenCacheKey } from '../../lambda/protocol/cache-key';
import { tokenSealFor } from '../../lambda/table/token-seal';
import { openPerContract } from '../support/contract-seal';
import { startHarness, type Harness } from '../support/harness';
import { vendOrFail } from '../support/lambda-runtime';
import { expectSameToken } from '../support/token-assertions';

let h: Harness;

beforeEach(async () => {
  h = await startHarness({ delayMs: 50 });
});

afterEach(async () => {
  jest.restoreAllMocks();
  await h.close();
});

const vend = vendOrFail;

/** Writes the default audience's token item as another writer would; returns its pk. */
async function putTokenItem(fields: (pk: string) => Record<string, AttributeValue>): Promise<string> {
  const pk = `token#${tokenCacheKey(h.wll.url, h.client, 'wlloyalty.net')}`;
  await h.dynamodb.send(new PutItemCommand({ TableName: h.tableName, Item: { pk: { S: pk }, tokenType: { S: 'Bearer' }, ...fields(pk) } }));
  return pk;
}

test('the first call reaches the issuer once, the second comes from memory', async () => {
  const handler = h.loadHandler();

  const first = await vend(handler);
  const second = await vend(handler);

  expect(h.wll.requests).toBe(1);
  expect(first.source).toBe('issuer');
  expect(second.source).toBe('memory');
  expectSameToken(second.accessToken, h.wll.issued[0]?.accessToken);
  expect(first).toMatchObject({ tokenType: 'Bearer', audience: 'wlloyalty.net' });
  expect(Date.parse(first.expiresAt as string)).toBeGreaterThan(Date.now() + 86_000_000);
  expect(first.expiresIn).toBeGreaterThan(86_390);
  expect(first.expiresIn).toBeLessThanOrEqual(86_400);
});

test('a fresh container gets the same token from the table without asking the issuer', async () => {
  await vend(h.loadHandler());

  const fromTable = await vend(h.loadHandler());

  expect(fromTable.source).toBe('cache');
  expectSameToken(fromTable.accessToken, h.wll.issued[0]?.accessToken);
  expect(h.wll.requests).toBe(1);
});

test('the token item has the documented shape: hashed key, sealed token, expiresAt, ttl = expiresAt - margin', async () => {
  const result = await vend(h.loadHandler({ TOKEN_REFRESH_MARGIN_SECONDS: '600' }));

  const { Items = [] } = await h.dynamodb.send(new ScanCommand({ TableName: h.tableName }));
  const keys = Items.map((i) => i.pk?.S ?? '').sort();
  expect(keys).toEqual([expect.stringMatching(/^lease#/), expect.stringMatching(/^mints#/), expect.stringMatching(/^token#/)]);
  const item = Items.find((i) => i.pk?.S?.startsWith('token#'))!;
  expect(Object.keys(item).sort()).toEqual(['audience', 'expiresAt', 'issuedAt', 'pk', 'sealedToken', 'tokenType', 'ttl']);
  expect(item.sealedToken?.S).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
  expectSameToken(openPerContract(item, h.client), result.accessToken);
  const expiresAt = Number(item.expiresAt?.N);
  expect(expiresAt).toBe(Date.parse(result.expiresAt as string) / 1000);
  expect(Number(item.ttl?.N)).toBe(expiresAt - 600);
  expect(item.tokenType?.S).toBe('Bearer');
  expect(item.audience?.S).toBe('wlloyalty.net');
  const key = item.pk?.S ?? '';
  expect(key).toBe(`token#${tokenCacheKey(h.wll.url, h.client, 'wlloyalty.net')}`);
  expect(key.includes(h.client.clientSecret) || key.includes(h.client.clientId)).toBe(false);
});

test('a plaintext item left by an earlier release is a miss, replaced by a sealed one', async () => {
  const now = Math.floor(Date.now() / 1000);
  const key = await putTokenItem(() => ({
    accessToken: { S: 'plaintext-token-of-the-previous-release' },
    issuedAt: { N: String(now - 60) },
    expiresAt: { N: String(now + 86_000) },
    ttl: { N: String(now + 85_700) },
  }));

  const result = await vend(h.loadHandler());

  expect(result.source).toBe('issuer');
  const { Item } = await h.dynamodb.send(new GetItemCommand({ TableName: h.tableName, Key: { pk: { S: key } } }));
  expect(Item?.accessToken).toBeUndefined();
  expectSameToken(openPerContract(Item!, h.client), h.wll.issued[0]?.accessToken);
});

test('a stored token with no more than the margin left is never served', async () => {
  const now = Math.floor(Date.now() / 1000);
  const key = await putTokenItem((pk) => ({
    sealedToken: { S: tokenSealFor(h.client).seal('stale-token-value', pk) },
    issuedAt: { N: String(now - 86_000) },
    expiresAt: { N: String(now + 300) },
    ttl: { N: String(now) },
  }));

  const result = await vend(h.loadHandler());

  expect(result.source).toBe('issuer');
  expect(result.accessToken).not.toBe('stale-token-value');
  const { Item } = await h.dynamodb.send(new GetItemCommand({ TableName: h.tableName, Key: { pk: { S: key } } }));
  expectSameToken(openPerContract(Item!, h.client), h.wll.issued[0]?.accessToken);
});

test('a token in memory is not served once it is within the margin of its expiry', async () => {
  h.wll.lifetimeSeconds = 3_600;
  const handler = h.loadHandler();
  await vend(handler);
  const realNow = Date.now.bind(Date);
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + (3_600 - 300) * 1000);

  const later = await vend(handler);

  expect(later.source).toBe('issuer');
  expect(h.wll.requests).toBe(2);
  expect(later.expiresIn).toBeGreaterThan(300);
});

test('without expires_in the JWT exp gives the lifetime; without both, 24 hours', async () => {
  h.wll.omitExpiresIn = true;
  h.wll.lifetimeSeconds = 7_200;
  const fromJwt = await vend(h.loadHandler(), { audience: 'staging.wlloyalty.net' });
  h.wll.omitJwtExp = true;
  const fromDefault = await vend(h.loadHandler(), { audience: 'production.wlloyalty.net' });

  expect(fromJwt.expiresIn).toBeGreaterThan(7_190);
  expect(fromJwt.expiresIn).toBeLessThanOrEqual(7_200);
  expect(fromDefault.expiresIn).toBeGreaterThan(86_390);
});

test('20 concurrent calls in one cold container make one issuer request', async () => {
  const handler = h.loadHandler();

  const results = await Promise.all(Array.from({ length: 20 }, () => vend(handler)));

  expect(h.wll.requests).toBe(1);
  for (const result of results) expectSameToken(result.accessToken, h.wll.issued[0]?.accessToken);
});

test('each audience has its own token', async () => {
  const handler = h.loadHandler();

  const production = await vend(handler, { audience: 'production.wlloyalty.net' });
  const fallback = await vend(handler, {});

  expect(h.wll.requests).toBe(2);
  expect(production.audience).toBe('production.wlloyalty.net');
  expect(fallback.audience).toBe('wlloyalty.net');
  expect(h.wll.issued.map((t) => t.audience)).toEqual(['production.wlloyalty.net', 'wlloyalty.net']);
});

test('forceRefresh mints a new token, except within 60 seconds of the last one', async () => {
  const handler = h.loadHandler();
  await vend(handler);

  const tooSoon = await vend(handler, { forceRefresh: true });
  const realNow = Date.now.bind(Date);
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 61_000);
  const refreshed = await vend(handler, { forceRefresh: true });

  expect(tooSoon.source).toBe('memory');
  expect(refreshed.source).toBe('issuer');
  expect(h.wll.requests).toBe(2);
  expectSameToken(refreshed.accessToken, h.wll.issued[1]?.accessToken);
  const fresh = await vend(h.loadHandler());
  expectSameToken(fresh.accessToken, h.wll.issued[1]?.accessToken);
});

test('the secret is read once per container and again after five minutes', async () => {
  const handler = h.loadHandler();
  await vend(handler);
  await vend(handler);
  expect(h.secrets.readsOf(h.secretName)).toBe(1);

  const realNow = Date.now.bind(Date);
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 5 * 60_000 + 1_000);
  const later = await vend(handler);

  expect(h.secrets.readsOf(h.secretName)).toBe(2);
  expect(later.source).toBe('memory');
});
