import { DynamoDbMintCounter, credentialsRef } from '../../lambda/table/mint-counter';
import { startHarness, type Harness } from '../support/harness';
import { vendOrFail } from '../support/lambda-runtime';
import { capturedOutput } from '../support/log-capture';

/**
 * Issue 11 through the real handler: the issuer's quota headers become metrics in the
 * embedded metric format (EMF) output, a low bucket logs a warning, broken headers change
 * nothing, and minted tokens are counted per UTC day and month, shared by containers.
 */
let h: Harness;
let mark = 0;

beforeEach(async () => {
  h = await startHarness();
  mark = capturedOutput().length;
});

afterEach(async () => {
  jest.restoreAllMocks();
  await h.close();
});

/** The EMF documents written since the test began. */
function emfDocuments(): Record<string, unknown>[] {
  return capturedOutput()
    .slice(mark)
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function metricValues(name: string, dimensions: Record<string, string> = {}): unknown[] {
  return emfDocuments()
    .filter((doc) => name in doc && Object.entries(dimensions).every(([key, value]) => doc[key] === value))
    .map((doc) => doc[name]);
}

test('quota headers on an answer become metrics with their values', async () => {
  h.wll.quota = { perHour: 10, perDay: 100, rateLimit: 30 };

  await vendOrFail(h.loadHandler());

  expect(metricValues('IssuerQuotaRemaining', { bucket: 'per_hour' })).toEqual([9]);
  expect(metricValues('IssuerQuotaRemaining', { bucket: 'per_day' })).toEqual([99]);
  expect(metricValues('IssuerQuotaLowestRemainingPercent')).toEqual([90]);
  expect(metricValues('IssuerRateLimitRemaining')).toEqual([29]);
  expect(metricValues('TokensMinted')).toEqual([1]);
  expect(metricValues('TokensMintedToday')).toEqual([1]);
  expect(metricValues('TokensMintedThisMonth')).toEqual([1]);
  const doc = emfDocuments().find((d) => 'IssuerQuotaRemaining' in d)!;
  expect(doc).toMatchObject({ service: 'wll-token-vendor-test' });
});

test('a bucket below 20 % logs a warning naming the buckets; an exhausted one is a 429 with its metrics too', async () => {
  h.wll.quota = { perHour: 3, perDay: 100, rateLimit: 30 };
  const handler = h.loadHandler();

  await vendOrFail(handler, { audience: 'staging.wlloyalty.net' });
  await vendOrFail(handler, { audience: 'production.wlloyalty.net' });
  await vendOrFail(handler, { audience: 'wlloyalty.net' });
  const realNow = Date.now.bind(Date);
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 61_000);
  const refused = await vendOrFail(handler, { forceRefresh: true }).catch((e: Error) => e);

  expect(metricValues('IssuerQuotaRemaining', { bucket: 'per_hour' })).toEqual([2, 1, 0, 0]);
  expect(capturedOutput().slice(mark)).toMatch(/"message":"WLL token quota running low[^\n]*"lowestRemainingPercent":0,"buckets":\[\{"scope":"client","bucket":"per_hour","quota":3,"remaining":0/);
  expect((refused as Error).message).toMatch(/RateLimitedError/);
});

test.each([
  ['garbage', { 'Auth0-Client-Quota-Limit': 'b=;q=x;r=-;t=', 'X-RateLimit-Remaining': 'lots' }],
  ['a huge header', { 'Auth0-Client-Quota-Limit': `b=per_hour;q=10;r=7;t=1,${'b=x;'.repeat(1_500)}` }],
  ['remaining above quota', { 'Auth0-Client-Quota-Limit': 'b=per_hour;q=10;r=70;t=1' }],
])('broken quota headers (%s) change nothing but the metrics they cannot give', async (_name, headers) => {
  h.wll.extraHeaders = headers;

  const result = await vendOrFail(h.loadHandler());

  expect(result.source).toBe('issuer');
  expect(metricValues('IssuerRateLimitRemaining')).toEqual([]);
  const numbers = emfDocuments().flatMap((doc) => Object.values(doc).filter((value): value is number => typeof value === 'number'));
  expect(numbers.filter((value) => !Number.isFinite(value))).toEqual([]);
});

test('the daily and monthly count is shared by containers and exact under a burst', async () => {
  const containers = Array.from({ length: 5 }, () => new DynamoDbMintCounter(h.tableName, h.dynamodb));
  const ref = credentialsRef(h.wll.url, h.client.clientId);

  const counts = await Promise.all(
    Array.from({ length: 60 }, (_, i) =>
      containers[i % 5]!.record(ref, { audience: i % 2 ? 'staging.wlloyalty.net' : 'wlloyalty.net', forced: i % 10 === 0 }, AbortSignal.timeout(5_000)),
    ),
  );

  expect(counts.map((c) => c.thisMonth).sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  expect(await containers[0]!.read(ref, AbortSignal.timeout(5_000))).toEqual({ today: 60, thisMonth: 60 });
});

test('the scheduled refresh publishes the month count even when it mints nothing', async () => {
  const handler = h.loadHandler();
  await vendOrFail(handler);
  mark = capturedOutput().length;

  await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, { awsRequestId: 'scheduled', getRemainingTimeInMillis: () => 20_000 } as never);

  expect(metricValues('TokensMintedThisMonth')).toEqual([1]);
  expect(metricValues('TokensMinted')).toEqual([]);
});
