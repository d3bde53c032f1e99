import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbErrors } from '../support/runtime/fault-proxy';
import type { InvocationResult, LambdaContainer } from '../support/runtime/lambda-container';
import { failures, outcome, sleep, startStand, tokenOf, type RuntimeStand } from '../support/runtime/stand';

/**
 * DynamoDB is a cache (CONTRACT section 3): when it fails, callers still get tokens,
 * nobody waits out a lease that a failed write left behind, and one container still
 * sends at most one issuer request at a time. An absurd issuer answer is never cached
 * (section 7). Issue 8, defects 4, 5 and 8.
 */
let stand: RuntimeStand;

afterEach(async () => {
  await stand.close();
});

test('a failing PutItem does not keep the lease: four containers at once all get a token, none waits out the 15 s lease (defect 4)', async () => {
  stand = await startStand();
  stand.dynamoDbProxy.every('PutItem', DynamoDbErrors.throughputExceeded);
  const containers = await stand.containers(4);

  const results = await Promise.all(containers.map((c) => c.invoke({})));

  expect(failures(results)).toEqual([]);
  expect(results.map((r) => r.durationMs).every((ms) => ms < 10_000)).toBe(true);
  expect(stand.dynamoDbProxy.count('PutItem')).toBeGreaterThan(0);
});

test('DynamoDB throttles one call and not the next: the token in the table is still found, no second issuer request', async () => {
  stand = await startStand();
  const [first, second] = await stand.containers(2);
  const token = tokenOf(await first!.invoke({}));

  stand.dynamoDbProxy.next('GetItem', DynamoDbErrors.throughputExceeded);
  const result = await second!.invoke({});

  expect(outcome(result)).toEqual({ ok: true, source: 'cache' });
  expect(tokenOf(result)).toBe(token);
  expect(stand.wll.requests).toBe(1);
  expect(stand.dynamoDbProxy.count('GetItem', 'error')).toBe(1);
});

/*
 * Lambda runs one invocation at a time per standard container; several at once in one
 * environment is Lambda Managed Instances, which these containers emulate.
 */
test("DynamoDB's port is closed: 10 concurrent first calls in one environment make one issuer request (defect 5)", async () => {
  stand = await startStand();
  await stand.dynamoDbProxy.closePort();
  const container = await stand.container({ maxConcurrency: 10 });

  const results = await Promise.all(Array.from({ length: 10 }, () => container.invoke({})));

  expect(failures(results)).toEqual([]);
  expect({ issuerRequests: stand.wll.requests, distinctTokens: new Set(results.map(tokenOf)).size }).toEqual({ issuerRequests: 1, distinctTokens: 1 });
});

test('every DynamoDB call throttled: 3 environments x 5 concurrent calls make at most one issuer request per environment (defect 5)', async () => {
  stand = await startStand();
  stand.dynamoDbProxy.every(undefined, DynamoDbErrors.throughputExceeded);
  const containers = await stand.containers(3, { maxConcurrency: 5 });

  const results = await Promise.all(containers.flatMap((c) => Array.from({ length: 5 }, () => c.invoke({}))));

  expect(failures(results)).toEqual([]);
  expect(stand.wll.requests).toBeLessThanOrEqual(3);
});

test('an answer with an absurd expires_in (1e13 s) is an IssuerError and never poisons the table (defect 8)', async () => {
  stand = await startStand();
  const [first, second] = await stand.containers(2);
  stand.wll.omitJwtExp = true;
  stand.wll.expiresInOverride = 1e13;

  const absurd = await first!.invoke({});
  // The answer is remembered across containers (issue 15): the other one is told at once, without a mint.
  const remembered = await second!.invoke({});
  const requestsWhileRemembered = stand.wll.requests;

  // The issuer is sane again: once the memory lapses (5 minutes; here, cleared on the lease
  // item), every container gets a token with a real lifetime (a poisoned item would fail
  // them until someone deleted it).
  stand.wll.omitJwtExp = false;
  stand.wll.expiresInOverride = undefined;
  await forgetBackoffs();
  const afterwards = await Promise.all([untilOk(second!, 15_000), untilOk(first!, 15_000)]);

  const limit = Date.now() / 1000 + 31 * 86_400;
  const items = await stand.tableItems();
  expect({
    absurdAnswer: outcome(absurd).errorType,
    remembered: outcome(remembered).errorType,
    requestsWhileRemembered,
    afterwards: afterwards.map((r) => (r.ok ? 'ok' : r.errorType)),
    longestLifetimeServed: Math.max(...afterwards.map((r) => (r.ok ? (r.result as { expiresIn: number }).expiresIn : 0))) <= 86_400,
    absurdItemsInTable: items.filter((item) => Number(item.expiresAt?.N ?? 0) > limit).length,
  }).toEqual({
    absurdAnswer: 'IssuerError',
    remembered: 'IssuerError',
    requestsWhileRemembered: 1,
    afterwards: ['ok', 'ok'],
    longestLifetimeServed: true,
    absurdItemsInTable: 0,
  });
});

/** Lets every shared back-off on the lease items lapse now, as time would. */
async function forgetBackoffs(): Promise<void> {
  const leases = (await stand.tableItems()).filter((item) => item.pk?.S?.startsWith('lease#'));
  for (const item of leases) {
    await stand.dynamodb.send(
      new UpdateItemCommand({ TableName: stand.tableName, Key: { pk: item.pk! }, UpdateExpression: 'SET notBefore = :past', ExpressionAttributeValues: { ':past': { N: '0' } } }),
    );
  }
}

/** Invokes every second until an invocation succeeds or `withinMs` has passed; the last result. */
async function untilOk(container: LambdaContainer, withinMs: number): Promise<InvocationResult> {
  const giveUpAt = Date.now() + withinMs;
  for (;;) {
    const result = await container.invoke({});
    if (result.ok || Date.now() > giveUpAt) return result;
    await sleep(1_000);
  }
}
