import { GetItemCommand, ProvisionedThroughputExceededException, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CLOCK_SKEW_TOLERANCE_MS } from '../../lambda/core/clock-skew';
import { CredentialsError, IssuerError, RateLimitedError } from '../../lambda/core/errors';
import { DynamoDbLeaseStore } from '../../lambda/table/lease-store';
import { tokenSha256 } from '../../lambda/core/token-fingerprint';
import { EARLY_REFRESH_BUDGET_MS, REJECTION_MEMORY_MS } from '../../lambda/protocol/token-protocol';
import { tokenSealFor } from '../../lambda/table/token-seal';
import { freePort, localDynamoDbClient } from '../support/dynamodb-local';
import { ProtocolWorld } from '../support/protocol-containers';

/**
 * The refresh protocol (lambda/protocol/token-protocol.ts) against DynamoDB Local, several containers
 * at once: fencing, what a failed write leaves behind, single flight without the table,
 * remembered rejections, back-off rules, inline early refresh, compare-and-refresh, and
 * items that cannot be used (CONTRACT sections 3, 4 and 7).
 */
let world: ProtocolWorld;

beforeEach(async () => {
  world = await ProtocolWorld.create();
});

afterEach(() => world.close());

const HOUR = 3_600_000;

async function leaseItem(key = world.key().key) {
  const { Item } = await world.dynamodb.send(
    new GetItemCommand({ TableName: world.tableName, Key: { pk: { S: `lease#${key}` } }, ConsistentRead: true }),
  );
  return Item;
}

/** A client whose calls of the named operations fail as DynamoDB's throttling does; the others go through. */
function throttling(operations: readonly string[] | 'all'): DynamoDBClient {
  const client = localDynamoDbClient(process.env.TEST_DYNAMODB_ENDPOINT!);
  client.middlewareStack.add(
    (next, context) => (args) => {
      if (operations === 'all' || operations.includes(context.commandName ?? '')) {
        throw new ProvisionedThroughputExceededException({ message: 'Throughput exceeds the current capacity', $metadata: {} });
      }
      return next(args);
    },
    { step: 'initialize' },
  );
  return client;
}

async function closedPortClient(): Promise<DynamoDBClient> {
  return localDynamoDbClient(`http://127.0.0.1:${await freePort()}`);
}

describe('the lease is fenced', () => {
  test('a late release of an earlier acquisition frees nothing and records nothing', async () => {
    const leases = new DynamoDbLeaseStore(world.tableName, world.dynamodb, world.now);
    const signal = () => AbortSignal.timeout(2_000);
    const first = await leases.acquire('k', 15_000, signal());
    world.advance(16_000);
    const second = await leases.acquire('k', 15_000, signal());
    if (first.kind !== 'acquired' || second.kind !== 'acquired') throw new Error('both acquisitions should succeed');

    await leases.release(first.lease, { backoff: { notBeforeMs: world.now() + 10_000, reason: 'issuer_error' } }, signal());

    const item = await leaseItem('k');
    expect(item?.leaseId?.S).toBe(second.lease.id);
    expect(Number(item?.leaseUntil?.N)).toBe(second.lease.untilMs);
    expect(item?.notBefore).toBeUndefined();
    expect((await leases.acquire('k', 15_000, signal())).kind).toBe('held');
  });

  test('a lapsed lease nobody took since records no back-off either', async () => {
    const leases = new DynamoDbLeaseStore(world.tableName, world.dynamodb, world.now);
    const first = await leases.acquire('k', 15_000, AbortSignal.timeout(2_000));
    if (first.kind !== 'acquired') throw new Error('should acquire');
    world.advance(16_000);

    await leases.release(first.lease, { backoff: { notBeforeMs: world.now() + 10_000, reason: 'issuer_error' } }, AbortSignal.timeout(2_000));

    expect((await leaseItem('k'))?.notBefore).toBeUndefined();
  });
});

test('a failed token write still gives the lease up: the next container does not wait for it to lapse', async () => {
  const failingWrites = world.container({ client: throttling(['PutItemCommand']) });
  const healthy = world.container();

  const first = await failingWrites.protocol.serve(world.key(), world.deadline(), world.now());
  const afterFailedWrite = await leaseItem();
  const started = Date.now();
  const second = await healthy.protocol.serve(world.key(), world.deadline(), world.now());

  expect(first.source).toBe('issuer');
  expect(failingWrites.events.unavailable).toEqual(['write']);
  expect(afterFailedWrite?.leaseId).toBeDefined();
  expect(Number(afterFailedWrite?.leaseUntil?.N)).toBe(0);
  expect(second.source).toBe('issuer');
  expect(Date.now() - started).toBeLessThan(2_000);
  expect(world.issuer.requests).toHaveLength(2);
});

describe('single flight in a container holds without the table', () => {
  test("DynamoDB's port closed: 10 concurrent first calls make one issuer request", async () => {
    const { protocol } = world.container({ client: await closedPortClient() });

    const served = await Promise.all(Array.from({ length: 10 }, () => protocol.serve(world.key(), world.deadline(), world.now())));

    expect(world.issuer.requests).toHaveLength(1);
    expect(new Set(served.map((s) => s.token.accessToken)).size).toBe(1);
  });

  test('a forced refresh and plain calls at once, without the table, share one issuer request', async () => {
    const { protocol } = world.container({ client: await closedPortClient() });
    world.issuer.enqueue({ delayMs: 200 });

    const served = await Promise.all([
      protocol.serve(world.key(), world.deadline(), world.now()),
      protocol.forceRefresh(world.key(), undefined, world.deadline()),
      protocol.serve(world.key(), world.deadline(), world.now()),
    ]);

    expect(world.issuer.requests).toHaveLength(1);
    expect(new Set(served.map((s) => s.token.accessToken)).size).toBe(1);
  });

  test('every DynamoDB call throttled: 3 containers x 5 concurrent calls make one request per container', async () => {
    const containers = [1, 2, 3].map(() => world.container({ client: throttling('all') }));

    await Promise.all(containers.flatMap(({ protocol }) => Array.from({ length: 5 }, () => protocol.serve(world.key(), world.deadline(), world.now()))));

    expect(world.issuer.requests).toHaveLength(3);
  });
});

describe('a rejection of the credentials is remembered by every container', () => {
  const rejected = () => new CredentialsError('rejected', 'The WLL token endpoint rejected the client credentials (HTTP 401 access_denied: Unauthorized).');

  test('a wave of callers in 5 containers after a 401 reaches the issuer once', async () => {
    world.issuer.enqueue(rejected());
    const containers = [1, 2, 3, 4, 5].map(() => world.container());

    const outcomes = await Promise.all(
      Array.from({ length: 100 }, (_, i) => containers[i % 5]!.protocol.serve(world.key(), world.deadline(), world.now()).catch((e: unknown) => e)),
    );

    expect(world.issuer.requests).toHaveLength(1);
    for (const outcome of outcomes) expect(outcome).toBeInstanceOf(CredentialsError);
    expect((outcomes[99] as Error).message).toMatch(/rejected the client credentials.*remembered for another \d+ s/);
  });

  test('it lapses after a while, and other credentials are tried at once', async () => {
    world.issuer.enqueue(rejected());
    const { protocol } = world.container();
    await expect(protocol.serve(world.key(), world.deadline(), world.now())).rejects.toThrow(CredentialsError);

    const other = { clientId: world.credentials.clientId, clientSecret: 'a-new-secret-value' };
    await expect(protocol.serve(world.key('wlloyalty.net', other), world.deadline(), world.now())).resolves.toMatchObject({ source: 'issuer' });
    world.advance(REJECTION_MEMORY_MS + CLOCK_SKEW_TOLERANCE_MS + 1);
    await expect(protocol.serve(world.key(), world.deadline(), world.now())).resolves.toMatchObject({ source: 'issuer' });
    expect(world.issuer.requests).toHaveLength(3);
  });
});

describe('a shared back-off is recorded only for what the issuer answered', () => {
  test.each([
    ['a 429', new RateLimitedError(30, 'rate limited'), 'rate_limited'],
    ['a 5xx or a full-length timeout', new IssuerError('HTTP 503', { issuerFault: true }), 'issuer_error'],
  ])('%s records one', async (_name, error, reason) => {
    world.issuer.enqueue(error);
    const { protocol } = world.container();

    await expect(protocol.serve(world.key(), world.deadline(), world.now())).rejects.toThrow(error.constructor as typeof Error);
    const item = await leaseItem();

    expect(item?.backoffReason?.S).toBe(reason);
    await expect(world.container().protocol.serve(world.key(), world.deadline(), world.now())).rejects.toThrow(/recently/);
    expect(world.issuer.requests).toHaveLength(1);
  });

  test('our own deadline, a network failure or an unusable answer records none', async () => {
    world.issuer.enqueue(new IssuerError('no time left', { issuerFault: false }), { delayMs: 5_000 });
    const { protocol } = world.container();

    await expect(protocol.serve(world.key(), world.deadline(), world.now())).rejects.toThrow(IssuerError);
    await expect(protocol.serve(world.key(), world.deadline(300), world.now())).rejects.toThrow(/before the deadline/);
    const next = await world.container().protocol.serve(world.key(), world.deadline(), world.now());

    expect((await leaseItem())?.notBefore).toBeUndefined();
    expect(next.source).toBe('issuer');
  });
});

describe('early refresh runs inline, one caller at a time, within the budget', () => {
  test('the due caller renews it; callers of other containers keep being served at once', async () => {
    const [a, b] = [world.container(), world.container()];
    const first = await a.protocol.serve(world.key(), world.deadline(), world.now());
    await b.protocol.serve(world.key(), world.deadline(), world.now());
    world.advance(19 * HOUR);
    world.issuer.enqueue({ delayMs: 300 });

    const [renewing, other] = await Promise.all([
      a.protocol.serve(world.key(), world.deadline(), world.now()),
      (async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const started = Date.now();
        const served = await b.protocol.serve(world.key(), world.deadline(), world.now());
        return { served, tookMs: Date.now() - started };
      })(),
    ]);

    expect(renewing.source).toBe('issuer');
    expect(other.served.token.accessToken).toBe(first.token.accessToken);
    expect(other.tookMs).toBeLessThan(100);
    expect(world.issuer.requests).toHaveLength(2);
  });

  test('a hanging issuer costs the due caller the budget and no more; it gets the current token, and no back-off is left', async () => {
    const { protocol, events } = world.container();
    const first = await protocol.serve(world.key(), world.deadline(), world.now());
    world.advance(19 * HOUR);
    world.issuer.enqueue({ delayMs: 60_000 });

    const started = Date.now();
    const served = await protocol.serve(world.key(), world.deadline(), world.now());

    expect(Date.now() - started).toBeLessThan(EARLY_REFRESH_BUDGET_MS + 300);
    expect(served).toMatchObject({ source: 'memory', token: first.token });
    expect(events.earlyFailures).toHaveLength(1);
    const lease = await leaseItem();
    expect(lease?.notBefore).toBeUndefined();
    expect(Number(lease?.leaseUntil?.N)).toBe(0);
  });
});

describe('compare-and-refresh', () => {
  test('N callers refused at once in 4 containers, one of them still holding the refused token, cause one mint', async () => {
    const containers = [1, 2, 3, 4].map(() => world.container());
    const refused = await containers[0]!.protocol.serve(world.key(), world.deadline(), world.now());
    await Promise.all(containers.map(({ protocol }) => protocol.serve(world.key(), world.deadline(), world.now())));
    const sha = tokenSha256(refused.token.accessToken);

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => containers[i % 4]!.protocol.forceRefresh(world.key(), sha, world.deadline())),
    );
    const late = await containers[3]!.protocol.serve(world.key(), world.deadline(), world.now());

    expect(world.issuer.requests).toHaveLength(2);
    const fresh = world.issuer.token(2);
    for (const answer of answers) expect(answer.token.accessToken).toBe(fresh);
    expect(late.token.accessToken).toBe(fresh);
    expect(containers.flatMap((c) => c.events.mints).filter((m) => m.forced)).toHaveLength(1);
  });

  test('a fingerprint of an older token returns the current one without a mint', async () => {
    const { protocol } = world.container();
    const current = await protocol.serve(world.key(), world.deadline(), world.now());

    const answer = await protocol.forceRefresh(world.key(), 'ab'.repeat(32), world.deadline());

    expect(answer.token.accessToken).toBe(current.token.accessToken);
    expect(world.issuer.requests).toHaveLength(1);
  });

  test('without a fingerprint a token younger than 60 s is returned, an older one is replaced', async () => {
    const { protocol } = world.container();
    await protocol.serve(world.key(), world.deadline(), world.now());

    const young = await protocol.forceRefresh(world.key(), undefined, world.deadline());
    world.advance(61_000);
    const replaced = await protocol.forceRefresh(world.key(), undefined, world.deadline());

    expect(young.source).toBe('memory');
    expect(replaced.source).toBe('issuer');
    expect(world.issuer.requests).toHaveLength(2);
  });

  test('forced mints are counted in the table, across containers', async () => {
    const [a, b] = [world.container(), world.container()];
    const first = await a.protocol.serve(world.key(), world.deadline(), world.now());
    const second = await a.protocol.forceRefresh(world.key(), tokenSha256(first.token.accessToken), world.deadline());
    await b.protocol.forceRefresh(world.key(), tokenSha256(second.token.accessToken), world.deadline());

    expect(b.events.mints.at(-1)).toMatchObject({ forced: true, count: { today: 3, thisMonth: 3 } });
    const month = new Date(world.now()).toISOString().slice(0, 7);
    const { Item } = await world.dynamodb.send(
      new GetItemCommand({ TableName: world.tableName, Key: { pk: { S: `mints#${world.key().credentialsRef}#${month}` } }, ConsistentRead: true }),
    );
    expect(Number(Item?.forced?.N)).toBe(2);
    expect(Number(Item?.total?.N)).toBe(3);
  });
});

describe('items that cannot be used are misses, and are replaced', () => {
  async function putItem(fields: Record<string, string | number>): Promise<void> {
    const item = Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, typeof value === 'number' ? { N: String(value) } : { S: value }]));
    await world.dynamodb.send(new PutItemCommand({ TableName: world.tableName, Item: { pk: { S: `token#${world.key().key}` }, ...item } }));
  }

  test.each([
    ['an absurd expiry (a poisoned item)', (pk: string, now: number) => ({ sealedToken: tokenSealFor(world.credentials).seal('poison', pk), issuedAt: now, expiresAt: 1e13 })],
    ['a sealed token from other credentials, expiring later', (pk: string, now: number) => ({ sealedToken: tokenSealFor({ clientId: 'x', clientSecret: 'y' }).seal('foreign', pk), issuedAt: now, expiresAt: now + 80 * 86_400 })],
    ['a damaged sealed token', (_pk: string, now: number) => ({ sealedToken: 'v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', issuedAt: now, expiresAt: now + 86_000 })],
    ['another seal version', (pk: string, now: number) => ({ sealedToken: `v2.${tokenSealFor(world.credentials).seal('v2', pk).slice(3)}`, issuedAt: now, expiresAt: now + 86_000 })],
  ])('%s', async (_name, fields) => {
    const pk = `token#${world.key().key}`;
    await putItem(fields(pk, Math.floor(world.now() / 1000)));
    const { protocol, events } = world.container();

    const served = await protocol.serve(world.key(), world.deadline(), world.now());
    const again = await world.container().protocol.serve(world.key(), world.deadline(), world.now());

    expect(served.source).toBe('issuer');
    expect(events.unusable.length).toBeGreaterThan(0);
    expect(again).toMatchObject({ source: 'cache', token: served.token });
    expect(world.issuer.requests).toHaveLength(1);
  });
});
