import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CredentialsError, IssuerError, RateLimitedError } from '../../lambda/core/errors';
import type { IssuedToken } from '../../lambda/core/token';
import { tokenSha256 } from '../../lambda/core/token-fingerprint';
import { DynamoDbCallFaults } from '../support/dynamodb-call-faults';
import { ProtocolWorld } from '../support/protocol-containers';
import { numberThat, until } from '../support/summary-matchers';

/**
 * Issue 22, item 1: the SDK's own retry of a conditional write DynamoDB already applied.
 * DynamoDB applies the call, its answer is lost (a 500, or a reset connection), and the SDK
 * (3 attempts, as the function's clients are built) resends the identical request, which now
 * meets the item as the first attempt left it. Every conditional write of the protocol is
 * driven through that shape here, with the real adapters against DynamoDB Local: each must
 * read its own applied write as done, never as another container's work or a refusal.
 */
let world: ProtocolWorld;

beforeEach(async () => {
  world = await ProtocolWorld.create();
});

afterEach(() => world.close());

const ANSWERS = [500, 'reset'] as const;

async function leaseLetGo(): Promise<boolean> {
  const { Item } = await world.dynamodb.send(
    new GetItemCommand({ TableName: world.tableName, Key: { pk: { S: `lease#${world.key().key}` } }, ConsistentRead: true }),
  );
  return Number(Item?.leaseUntil?.N ?? 0) === 0;
}

/**
 * A call's outcome and how long it took: the token's name and source, or the error's name and
 * whether it reports what the lease item remembers (a back-off or a refusal).
 */
async function outcomeOf(call: () => Promise<{ token: IssuedToken; source: string }>) {
  const started = Date.now();
  const outcome = await call().then(
    (served) => ({ token: world.tokenName(served.token), source: served.source }),
    (error: Error) => ({ error: error.name, remembered: /recently|remembered/.test(error.message) }),
  );
  return { ...outcome, seconds: Math.round((Date.now() - started) / 100) / 10 };
}

/**
 * Well inside the 8 s deadline and the 15 s lease a misread acquisition makes everyone wait
 * for; each call takes milliseconds on an idle machine, and the first test of the file also
 * pays for warming up.
 */
const QUICK = numberThat('< 5 s', (actual) => actual < 5);

describe('a lease acquisition applied, answered with a failure and retried by the SDK', () => {
  test.each(ANSWERS)('(answer %s) is our own acquisition: A mints at once, B and C are served from the table', async (answer) => {
    const faults = new DynamoDbCallFaults();
    faults.add({ operation: 'UpdateItemCommand', pkPrefix: 'lease#', nth: 1, fault: { kind: 'appliedThenFailed', answer } });
    const a = world.container({ client: faults.client });
    const [b, c] = [world.container(), world.container()];

    const first = outcomeOf(() => a.protocol.serve(world.key(), world.deadline(8_000), world.now()));
    await until(() => faults.applied.length === 1);
    const others = [
      outcomeOf(() => b.protocol.serve(world.key(), world.deadline(8_000), world.now())),
      outcomeOf(() => c.protocol.serve(world.key(), world.deadline(19_000), world.now())),
    ];
    const [resultA, resultB, resultC] = await Promise.all([first, ...others]);

    expect(faults.applied).toEqual([`UpdateItemCommand appliedThenFailed ${answer}`]);
    expect({
      a: resultA,
      b: resultB,
      c: resultC,
      issuerRequests: world.issuer.requests.length,
      table: await world.tableToken(),
      mintCount: await world.mintCount(),
      leaseLetGo: await leaseLetGo(),
    }).toEqual({
      a: { token: 'tok-1', source: 'issuer', seconds: QUICK },
      b: { token: 'tok-1', source: 'cache', seconds: QUICK },
      c: { token: 'tok-1', source: 'cache', seconds: QUICK },
      issuerRequests: 1,
      table: 'tok-1',
      mintCount: 1,
      leaseLetGo: true,
    });
  });
});

describe('the count of a mint whose update was applied, answered with a failure and retried', () => {
  test.each(ANSWERS)('(answer %s) counts the mint once', async (answer) => {
    const faults = new DynamoDbCallFaults();
    faults.add({ operation: 'UpdateItemCommand', pkPrefix: 'mints#', nth: 1, fault: { kind: 'appliedThenFailed', answer } });
    const { protocol, events } = world.container({ client: faults.client });

    const served = await outcomeOf(() => protocol.serve(world.key(), world.deadline(), world.now()));
    // A second mint for the same client is counted: the guard against the retry does not swallow it.
    world.advance(61_000);
    const forced = await outcomeOf(() => protocol.forceRefresh(world.key(), undefined, world.deadline()));

    expect(faults.applied).toEqual([`UpdateItemCommand appliedThenFailed ${answer}`]);
    expect({
      served,
      forced,
      mintCount: await world.mintCount(),
      reported: events.mints.map((mint) => mint.count?.thisMonth),
    }).toEqual({
      served: { token: 'tok-1', source: 'issuer', seconds: QUICK },
      forced: { token: 'tok-2', source: 'issuer', seconds: QUICK },
      mintCount: 2,
      reported: [1, 2],
    });
  });
});

describe('a token write applied, answered with a failure and retried', () => {
  test.each(ANSWERS)('(answer %s) keeps the token just minted, and the next container reads it', async (answer) => {
    const faults = new DynamoDbCallFaults();
    faults.add({ operation: 'PutItemCommand', pkPrefix: 'token#', nth: 1, fault: { kind: 'appliedThenFailed', answer } });

    const served = await outcomeOf(() => world.container({ client: faults.client }).protocol.serve(world.key(), world.deadline(), world.now()));
    const next = await outcomeOf(() => world.container().protocol.serve(world.key(), world.deadline(), world.now()));

    expect(faults.applied).toEqual([`PutItemCommand appliedThenFailed ${answer}`]);
    expect({ served, next, table: await world.tableToken(), issuerRequests: world.issuer.requests.length }).toEqual({
      served: { token: 'tok-1', source: 'issuer', seconds: QUICK },
      next: { token: 'tok-1', source: 'cache', seconds: QUICK },
      table: 'tok-1',
      issuerRequests: 1,
    });
  });

  test.each(ANSWERS)('(answer %s) of a compare-and-refresh: the refused token is replaced once, for every container', async (answer) => {
    const refused = await world.container().protocol.serve(world.key(), world.deadline(), world.now());
    const faults = new DynamoDbCallFaults();
    faults.add({ operation: 'PutItemCommand', pkPrefix: 'token#', nth: 1, fault: { kind: 'appliedThenFailed', answer } });
    const reporter = world.container({ client: faults.client });
    const sha256 = tokenSha256(refused.token.accessToken);

    const forced = await outcomeOf(() => reporter.protocol.forceRefresh(world.key(), sha256, world.deadline()));
    const alsoRefused = await outcomeOf(() => world.container().protocol.forceRefresh(world.key(), sha256, world.deadline()));

    expect(faults.applied).toEqual([`PutItemCommand appliedThenFailed ${answer}`]);
    expect({ forced, alsoRefused, table: await world.tableToken(), mintCount: await world.mintCount() }).toEqual({
      forced: { token: 'tok-2', source: 'issuer', seconds: QUICK },
      alsoRefused: { token: 'tok-2', source: 'cache', seconds: QUICK },
      table: 'tok-2',
      mintCount: 2,
    });
  });
});

describe('a lease release applied, answered with a failure and retried', () => {
  const lessons: [string, () => Error, string][] = [
    ['a back-off after an issuer failure', () => new IssuerError('the issuer answered 503', { issuerFault: true, httpStatus: 503 }), 'IssuerError'],
    ['a back-off after a 429', () => new RateLimitedError(30, 'the issuer answered 429'), 'RateLimitedError'],
    ['a remembered rejection', () => new CredentialsError('rejected', 'The WLL token endpoint rejected the client credentials.'), 'CredentialsError'],
  ];

  test.each(lessons)('keeps what the holder learned (%s) and lets the lease go', async (_name, failure, nextError) => {
    world.issuer.enqueue(failure());
    const faults = new DynamoDbCallFaults();
    // The holder's second lease update is its release (the first is the acquisition).
    faults.add({ operation: 'UpdateItemCommand', pkPrefix: 'lease#', nth: 2, fault: { kind: 'appliedThenFailed', answer: 500 } });

    const holder = await outcomeOf(() => world.container({ client: faults.client }).protocol.serve(world.key(), world.deadline(), world.now()));
    const next = await outcomeOf(() => world.container().protocol.serve(world.key(), world.deadline(), world.now()));

    expect(faults.applied).toEqual(['UpdateItemCommand appliedThenFailed 500']);
    expect({ holder: 'error' in holder, next: next, issuerRequests: world.issuer.requests.length, leaseLetGo: await leaseLetGo() }).toEqual({
      holder: true,
      next: { error: nextError, remembered: true, seconds: QUICK },
      issuerRequests: 1,
      leaseLetGo: true,
    });
  });

  test('keeps a remembered unusable answer (a lifetime within the margin) and lets the lease go', async () => {
    world.issuer.enqueue({ lifetimeSeconds: 200 });
    const faults = new DynamoDbCallFaults();
    faults.add({ operation: 'UpdateItemCommand', pkPrefix: 'lease#', nth: 2, fault: { kind: 'appliedThenFailed', answer: 'reset' } });

    const holder = await outcomeOf(() => world.container({ client: faults.client }).protocol.serve(world.key(), world.deadline(), world.now()));
    const next = await outcomeOf(() => world.container().protocol.serve(world.key(), world.deadline(), world.now()));

    expect(faults.applied).toEqual(['UpdateItemCommand appliedThenFailed reset']);
    expect({ holder, next, issuerRequests: world.issuer.requests.length, leaseLetGo: await leaseLetGo() }).toEqual({
      holder: { error: 'IssuerError', remembered: false, seconds: QUICK },
      next: { error: 'IssuerError', remembered: true, seconds: QUICK },
      issuerRequests: 1,
      leaseLetGo: true,
    });
  });
});
