import { writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { type PathCalls, PATHS, TOKEN_WRITE_UNITS } from '../../scripts/cost/calls';
import { API_EXTRA_LOG_BYTES, LOG_BYTES } from '../../scripts/cost/traffic';
import { DynamoDbTokenStore } from '../../lambda/table/token-store';
import { tokenSealFor } from '../../lambda/table/token-seal';
import { localDynamoDbClient } from '../support/dynamodb-local';
import { DynamoDbCallCounter } from '../support/dynamodb-call-counter';
import { startHarness, type Harness } from '../support/harness';
import { callApi, lambdaContext, type Handler, vendOrFail } from '../support/lambda-runtime';
import { capturedOutput } from '../support/log-capture';

// The cost model (npm run cost, docs/costs.md) multiplies the calls of scripts/cost/calls.ts by
// prices. Here the real handler runs through each of those paths against DynamoDB Local and the
// stand-ins, and what it really did is counted: DynamoDB calls by operation and item with the
// capacity units DynamoDB Local charges, Secrets Manager reads, requests to WLL, and the bytes it
// logs. A change to the function that adds or drops a call fails this test until the model follows.
// PRINT_COST_PATHS=1 prints what each path measured, for updating scripts/cost/traffic.ts.
let h: Harness;
let counter: DynamoDbCallCounter;

beforeEach(async () => {
  h = await startHarness();
  counter = await DynamoDbCallCounter.start(process.env.TEST_DYNAMODB_ENDPOINT!);
});

afterEach(async () => {
  await counter.close();
  await h.close();
});

/** A new environment of the function, its DynamoDB calls through the counter. */
const environment = (overrides: Record<string, string> = {}): Handler => h.loadHandler({ AWS_ENDPOINT_URL_DYNAMODB: counter.url, ...overrides });

interface Measured extends PathCalls {
  readonly logBytes: number;
}

/** The metric names of the embedded-metric lines in `output`, each once, sorted. */
function metricNames(output: string): string[] {
  const names = output
    .split('\n')
    .filter((line) => line.startsWith('{"_aws":'))
    .flatMap((line) => (JSON.parse(line) as { _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] } })._aws.CloudWatchMetrics)
    .flatMap((directive) => directive.Metrics.map((metric) => metric.Name));
  return [...new Set(names)].sort();
}

/** What `run` made the function do. */
async function measure(run: () => Promise<unknown>): Promise<Measured> {
  const [calls, reads, requests, output] = [counter.calls.length, h.secrets.readsOf(h.secretName), h.wll.requests, capturedOutput().length];
  await run();
  return {
    metrics: metricNames(capturedOutput().slice(output)),
    table: counter.since(calls).map(({ operation, item, capacityUnits }) => ({ operation, item, units: capacityUnits }) as PathCalls['table'][number]),
    getSecretValue: h.secrets.readsOf(h.secretName) - reads,
    issuerRequests: h.wll.requests - requests,
    // The log capture joins its chunks with a newline each.
    logBytes: capturedOutput().length - output,
  };
}

/** The model's calls of a path, with the stand-in's small tokens costing 1 write unit where a WLL token costs TOKEN_WRITE_UNITS. */
function expected(path: PathCalls): PathCalls {
  return { ...path, table: path.table.map((call) => (call.operation === 'PutItem' ? { ...call, units: 1 } : call)) };
}

/** The calls in a stable order: a mint stores its token and counts it at once, in either order. */
function sorted(path: PathCalls): PathCalls {
  const order = (call: PathCalls['table'][number]): string => `${call.operation} ${call.item}`;
  return { ...path, table: [...path.table].sort((a, b) => order(a).localeCompare(order(b))) };
}

function expectPath(measured: Measured, path: keyof typeof PATHS, via: 'invoke' | 'api' = 'invoke'): void {
  const { logBytes, ...calls } = measured;
  if (process.env.PRINT_COST_PATHS === '1') writeSync(2, `${path} (${via}): ${logBytes} log bytes ${JSON.stringify(measured.metrics)}\n`);
  expect([path, sorted(calls)]).toEqual([path, sorted(expected(PATHS[path]))]);
  // Log lines carry ids and times, so their size varies a little from run to run.
  const modelled = LOG_BYTES[path] + (via === 'api' ? API_EXTRA_LOG_BYTES : 0);
  const within = Math.abs(logBytes - modelled) <= modelled * 0.15;
  expect([path, via, within ? `about ${modelled} log bytes` : `${logBytes} log bytes`]).toEqual([path, via, `about ${modelled} log bytes`]);
}

const scheduledEvent = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };

test('a new environment with no token anywhere mints one; the next request of that environment answers from memory', async () => {
  const handler = environment();
  expectPath(await measure(() => vendOrFail(handler)), 'mint');
  expectPath(await measure(() => vendOrFail(handler)), 'memory');
});

test('a new environment finds the token in the table; over the API, the calls are the same', async () => {
  await vendOrFail(environment());
  expectPath(await measure(() => vendOrFail(environment())), 'cache');
  const api = environment();
  expectPath(await measure(() => callApi(api)), 'cache', 'api');
  expectPath(await measure(() => callApi(api)), 'memory', 'api');
});

test('a warm environment whose secret copy has aged reads it again, and still answers from memory', async () => {
  const handler = environment({ CREDENTIALS_MAX_AGE_SECONDS: '1' });
  await vendOrFail(handler);
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  expectPath(await measure(() => vendOrFail(handler)), 'secretReread');
});

test('a scheduled run reads the secret, mints a missing (or due) token under the lease and reads the month count; the next run finds it current', async () => {
  // One audience, as the model counts per set; runs are far enough apart for the secret copy to age.
  const handler = environment({ WLL_ALLOWED_AUDIENCES: 'wlloyalty.net', CREDENTIALS_MAX_AGE_SECONDS: '1' });
  expectPath(await measure(() => handler(scheduledEvent, lambdaContext())), 'scheduledMint');
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  expectPath(await measure(() => handler(scheduledEvent, lambdaContext())), 'scheduledCurrent');
});

test("a warm environment whose token entered its refresh window adopts the newer token another one stored, with one read", async () => {
  // Tokens of 8 s with no margin, refreshed ahead in their last 90 %: due after 0.8 to 2.2 s.
  const settings = { TOKEN_REFRESH_MARGIN_SECONDS: '0', TOKEN_REFRESH_AHEAD_RATIO: '0.9' };
  h.wll.lifetimeSeconds = 8;
  const first = environment(settings);
  const current = await vendOrFail(first);
  // Token times are whole seconds: a second later, the replacement outlives the current token.
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  // Another environment replaces it (as the schedule does), so the table holds a newer one.
  const sha = createHash('sha256').update(String(current.accessToken)).digest('hex');
  await vendOrFail(environment(settings), { forceRefresh: true, replacesTokenSha256: sha });
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expectPath(await measure(() => vendOrFail(first)), 'earlyRefreshAdopt');
});

test(`a WLL-sized token (a 900-character JWT) costs ${TOKEN_WRITE_UNITS} write units to store, through the function's own token store`, async () => {
  const client = localDynamoDbClient(counter.url);
  const store = new DynamoDbTokenStore(h.tableName, 300, client);
  const now = Math.floor(Date.now() / 1000);
  const accessToken = `eyJ${'a'.repeat(500)}.${'b'.repeat(53)}.${'c'.repeat(342)}`;
  expect(accessToken).toHaveLength(900);
  const mark = counter.calls.length;
  await store.put(
    { key: 'cost-model-probe', token: { accessToken, tokenType: 'Bearer', issuedAt: now, expiresAt: now + 86_400 }, audience: 'wlloyalty.net', seal: tokenSealFor(h.client) },
    AbortSignal.timeout(5_000),
  );
  client.destroy();
  expect(counter.since(mark)).toEqual([{ operation: 'PutItem', item: 'token', capacityUnits: TOKEN_WRITE_UNITS }]);
});
