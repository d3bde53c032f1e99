import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { RateLimitedError } from '../../lambda/core/errors';
import type { IssueRequest, TokenIssuer } from '../../lambda/issuer/wll-token-issuer';
import type { IssuedToken } from '../../lambda/core/token';
import { tokenSha256 } from '../../lambda/core/token-fingerprint';
import { DynamoDbCallFaults } from '../support/dynamodb-call-faults';
import { localDynamoDbClient } from '../support/dynamodb-local';
import { FaultProxy } from '../support/runtime/fault-proxy';
import { ProtocolWorld } from '../support/protocol-containers';
import { numberThat, until } from '../support/summary-matchers';

/**
 * The defects of issue 17, each reproduced the way the review did: the real adapters against
 * DynamoDB Local, the issuer scripted, and at most one DynamoDB answer delayed or failed.
 * Where a token was bought, the table and the shared mint count are checked too, not only
 * the answers. Each test compares one summary object, so a failure shows every number at once.
 */
let world: ProtocolWorld;

beforeEach(async () => {
  world = await ProtocolWorld.create();
});

afterEach(() => world.close());

const HOUR = 3_600_000;

async function leaseItem() {
  const { Item } = await world.dynamodb.send(
    new GetItemCommand({ TableName: world.tableName, Key: { pk: { S: `lease#${world.key().key}` } }, ConsistentRead: true }),
  );
  return { id: Item?.leaseId?.S, untilMs: Number(Item?.leaseUntil?.N ?? 0) };
}

const below = (limit: number) => numberThat(`< ${limit}`, (actual) => actual < limit);
const atLeast = (limit: number) => numberThat(`>= ${limit}`, (actual) => actual >= limit);

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; tookMs: number }> {
  const started = Date.now();
  const value = await run();
  return { value, tookMs: Date.now() - started };
}

describe('1. a token paid for is always stored and counted', () => {
  test('a forced refresh whose first table read was throttled still takes the lease, stores and counts its token', async () => {
    const refused = await world.container().protocol.serve(world.key(), world.deadline(), world.now());
    const firstLease = await leaseItem();
    const faults = new DynamoDbCallFaults();
    faults.add({ operation: 'GetItemCommand', nth: 1, fault: { kind: 'throttle' } });
    const throttled = world.container({ client: faults.client });

    const forced = await throttled.protocol.forceRefresh(world.key(), tokenSha256(refused.token.accessToken), world.deadline());
    const lease = await leaseItem();
    const later = await world.container().protocol.serve(world.key(), world.deadline(), world.now());

    expect(faults.applied).toEqual(['GetItemCommand throttle']);
    expect({
      forced: world.tokenName(forced.token),
      table: await world.tableToken(),
      mintCount: await world.mintCount(),
      newContainer: { token: world.tokenName(later.token), source: later.source },
      issuerRequests: world.issuer.requests.length,
      forcedTookTheLease: lease.id !== firstLease.id,
      leaseLetGo: lease.untilMs === 0,
    }).toEqual({
      forced: 'tok-2',
      table: 'tok-2',
      mintCount: 2,
      newContainer: { token: 'tok-2', source: 'cache' },
      issuerRequests: 2,
      forcedTookTheLease: true,
      leaseLetGo: true,
    });
  });

  test('a write that hangs during an early refresh is bounded: the caller answers within 3 s, and the mint is counted', async () => {
    const proxy = await FaultProxy.start(process.env.TEST_DYNAMODB_ENDPOINT!);
    const client = localDynamoDbClient(proxy.endpoint);
    try {
      const { protocol } = world.container({ client });
      await protocol.serve(world.key(), world.deadline(), world.now());
      world.advance(19 * HOUR);
      proxy.every('PutItem', { kind: 'hang' });
      // A slow issuer (the early refresh gives it at most 1.8 s), then a write that never answers.
      world.issuer.enqueue({ delayMs: 1_000 });

      const due = await timed(() => protocol.serve(world.key(), world.deadline(), world.now()));

      expect({ tookMs: due.tookMs, source: due.value.source, token: world.tokenName(due.value.token), mintCount: await world.mintCount(), writesHung: proxy.count('PutItem', 'hang') }).toEqual({
        tookMs: below(3_000),
        source: 'issuer',
        token: 'tok-2',
        mintCount: 2,
        writesHung: 1,
      });
    } finally {
      client.destroy();
      await proxy.close();
    }
  });
});

describe('2. an acquisition DynamoDB applied but answered late', () => {
  test('is resolved: the token is stored and counted, the lease let go, and the next container served from the table', async () => {
    const faults = new DynamoDbCallFaults();
    faults.add({ operation: 'UpdateItemCommand', pkPrefix: 'lease#', nth: 1, fault: { kind: 'lostAnswer', ms: 1_500 } });
    const late = world.container({ client: faults.client });

    const first = await late.protocol.serve(world.key(), world.deadline(), world.now());
    const lease = await leaseItem();
    const next = await timed(() => world.container().protocol.serve(world.key(), world.deadline(5_000), world.now()).catch((error: Error) => error.name));

    expect(faults.applied).toEqual(['UpdateItemCommand lostAnswer']);
    expect({
      first: world.tokenName(first.token),
      table: await world.tableToken(),
      mintCount: await world.mintCount(),
      leaseLetGo: lease.untilMs === 0,
      next: typeof next.value === 'string' ? next.value : { token: world.tokenName(next.value.token), source: next.value.source },
      nextTookMs: next.tookMs,
      issuerRequests: world.issuer.requests.length,
    }).toEqual({
      first: 'tok-1',
      table: 'tok-1',
      mintCount: 1,
      leaseLetGo: true,
      next: { token: 'tok-1', source: 'cache' },
      nextTookMs: below(1_000),
      issuerRequests: 1,
    });
  });
});

describe('3. memory only moves forward (concurrent invocations in one environment)', () => {
  test('a stale table read that answers after a compare-and-refresh does not put the refused token back', async () => {
    const faults = new DynamoDbCallFaults();
    const { protocol } = world.container({ client: faults.client });
    const refused = await protocol.serve(world.key(), world.deadline(), world.now());
    // The forced refresh reads first; the plain call's read (the second) is answered late.
    faults.add({ operation: 'GetItemCommand', nth: 2, fault: { kind: 'slowAnswer', ms: 500 } });

    const [forced, plain] = await Promise.all([
      protocol.forceRefresh(world.key(), tokenSha256(refused.token.accessToken), world.deadline()),
      protocol.serve(world.key(), world.deadline(), world.now()),
    ]);
    const later = await protocol.serve(world.key(), world.deadline(), world.now());

    expect(faults.applied).toEqual(['GetItemCommand slowAnswer']);
    expect({ forced: world.tokenName(forced.token), staleRead: world.tokenName(plain.token), later: world.tokenName(later.token), table: await world.tableToken() }).toEqual({
      forced: 'tok-2',
      staleRead: 'tok-1',
      later: 'tok-2',
      table: 'tok-2',
    });
  });

  test('a stale table read of an older token does not replace a newer one', async () => {
    await world.container().protocol.serve(world.key(), world.deadline(), world.now());
    world.advance(61_000);
    const faults = new DynamoDbCallFaults();
    const { protocol } = world.container({ client: faults.client });
    faults.add({ operation: 'GetItemCommand', nth: 1, fault: { kind: 'slowAnswer', ms: 500 } });

    const [plain, forced] = await Promise.all([
      protocol.serve(world.key(), world.deadline(), world.now()),
      protocol.forceRefresh(world.key(), undefined, world.deadline()),
    ]);
    const later = await protocol.serve(world.key(), world.deadline(), world.now());

    expect({ staleRead: world.tokenName(plain.token), forced: world.tokenName(forced.token), later: world.tokenName(later.token) }).toEqual({
      staleRead: 'tok-1',
      forced: 'tok-2',
      later: 'tok-2',
    });
  });
});

describe('4. without a lease, a caller holding a servable token waits at most 3 s', () => {
  test("on another flight's slow issuer request in the same container", async () => {
    const { protocol } = world.container({ leaseMs: 0 });
    const current = await protocol.serve(world.key(), world.deadline(), world.now());
    world.advance(19 * HOUR);
    world.issuer.enqueue({ delayMs: 6_000 });
    const forced = protocol.forceRefresh(world.key(), undefined, world.deadline());
    await until(() => world.issuer.requests.length === 2);

    const due = await timed(() => protocol.serve(world.key(), world.deadline(), world.now()));
    await forced;

    expect({ token: world.tokenName(due.value.token), tookMs: due.tookMs, issuerRequests: world.issuer.requests.length }).toEqual({
      token: world.tokenName(current.token),
      tookMs: below(3_000),
      issuerRequests: 2,
    });
  });
});

describe('5. expiresIn is more than the margin when the answer is given', () => {
  test('a token whose early refresh ran out of budget near the margin is not handed out', async () => {
    world.issuer.enqueue({ lifetimeSeconds: 1_400 }, { delayMs: 5_000 });
    const { protocol } = world.container();
    const first = await protocol.serve(world.key(), world.deadline(), world.now());
    // 301.5 s left: servable (more than the 300 s margin) and due for an early refresh.
    world.advance(first.token.expiresAt * 1000 - world.now() - 301_500);

    const served = await protocol.serve(world.key(), world.deadline(), world.now());
    const secondsLeft = Math.floor((served.token.expiresAt * 1000 - world.now()) / 1000);

    expect({ secondsLeft }).toEqual({ secondsLeft: atLeast(301) });
  });
});

describe('7. per-key state is pruned with the memory', () => {
  test('10 secret rotations x 5 audiences, each followed by a day, leave state for the one live token only', async () => {
    const { protocol } = world.container();
    const audiences = ['a.example', 'b.example', 'c.example', 'd.example', 'e.example'];
    for (let rotation = 0; rotation < 10; rotation += 1) {
      const credentials = { clientId: world.credentials.clientId, clientSecret: `rotated-${rotation}` };
      for (const audience of audiences) await protocol.serve(world.key(audience, credentials), world.deadline(), world.now());
      world.advance(25 * HOUR);
    }
    await protocol.serve(world.key(audiences[0]), world.deadline(), world.now());

    expect(protocol.footprint()).toEqual({ remembered: 1, planned: 1, refused: 0 });
  });
});

/** Records when each issuer request started (by the world's clock) and until when it was allowed to run. */
class TimedIssuer implements TokenIssuer {
  readonly calls: { startedAt: number; deadlineMs: number }[] = [];
  constructor(private readonly inner: TokenIssuer) {}
  issue(request: IssueRequest): Promise<IssuedToken> {
    this.calls.push({ startedAt: world.now(), deadlineMs: request.deadlineMs });
    return this.inner.issue(request);
  }
}

describe('8. clock skew up to the stated tolerance (2 s)', () => {
  test.each([1_500, 1_900])('a container %i ms ahead takes a lapsed 12 s lease only once the holder has stopped asking', async (aheadMs) => {
    const issuer = new TimedIssuer(world.issuer);
    const open = world.issuer.hold();
    const holder = world.container({ issuer, leaseMs: 12_000 });
    const ahead = world.container({ issuer, leaseMs: 12_000, clockAheadMs: aheadMs });
    const holding = holder.protocol.serve(world.key(), world.deadline(), world.now());
    await until(() => issuer.calls.length === 1);
    // By the other container's clock the lease has just lapsed; by the holder's it has not.
    world.advance(12_000 - aheadMs + 100);

    const asking = ahead.protocol.serve(world.key(), world.deadline(), world.now());
    await until(() => issuer.calls.length === 2);
    open();
    await Promise.allSettled([holding, asking]);

    const [held, next] = issuer.calls;
    // Negative: the second request started while the holder's was still allowed to run.
    expect({ msFromHolderStopToNextRequest: next!.startedAt - held!.deadlineMs }).toEqual({ msFromHolderStopToNextRequest: atLeast(0) });
  });

  test.each([
    [3_000, 2_500],
    [1_900, 500],
  ])('a container %i ms ahead honours a back-off with %i ms to go', async (aheadMs, leftMs) => {
    world.issuer.enqueue(new RateLimitedError(5, 'rate limited'));
    await expect(world.container().protocol.serve(world.key(), world.deadline(), world.now())).rejects.toThrow(RateLimitedError);
    world.advance(5_000 - leftMs);

    const outcome = await world.container({ clockAheadMs: aheadMs }).protocol.serve(world.key(), world.deadline(), world.now()).then(
      () => 'served',
      (error: Error) => (/recently/.test(error.message) ? 'backed off' : error.name),
    );

    expect({ outcome, issuerRequests: world.issuer.requests.length }).toEqual({ outcome: 'backed off', issuerRequests: 1 });
  });
});

describe('decided: what a direct invoker can do with a scheduled event, and joined flights', () => {
  test('a scheduled refresh run over and over on a current token mints nothing', async () => {
    const { protocol } = world.container();
    await protocol.serve(world.key(), world.deadline(), world.now());

    const states = await Promise.all(Array.from({ length: 20 }, () => protocol.refreshIfDue(world.key(), true, world.deadline())));

    expect(new Set(states)).toEqual(new Set(['current']));
    expect(world.issuer.requests).toHaveLength(1);
  });
});
