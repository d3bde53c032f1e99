import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CLOCK_SKEW_TOLERANCE_MS } from '../../lambda/core/clock-skew';
import { DynamoDbLeaseStore } from '../../lambda/table/lease-store';
import { startHarness, type Harness } from '../support/harness';
import { invokeDirect, type Handler, type InvokeOutcome } from '../support/lambda-runtime';

/**
 * Issue 15, holes 1 and 3, against the real handler with DynamoDB Local and the loopback
 * stand-ins, two containers (two module instances of the handler):
 * - CONTRACT section 2: a container whose copy of the secret predates a refusal of the
 *   credentials (seen here, or remembered on the lease item by another container) reads the
 *   secret again at once, so a rotated secret is picked up by the very next call;
 * - CONTRACT section 7: an answer the function cannot use (a lifetime not longer than
 *   TOKEN_REFRESH_MARGIN_SECONDS, or an absurd one) is remembered across containers, so a
 *   misconfiguration costs a few mints, not one per call.
 */
let h: Harness;
/** Added to the real clock: a test moves time forward without waiting. */
let offsetMs = 0;

beforeEach(async () => {
  h = await startHarness();
  offsetMs = 0;
  const realNow = Date.now.bind(Date);
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs);
});

afterEach(async () => {
  jest.restoreAllMocks();
  await h.close();
});

const STAGING = { audience: 'staging.wlloyalty.net' };

/**
 * Calls each container in turn until every one has been served once, moving the clock
 * `stepMs` after each round, for at most `limitMs` of (simulated) time: per container, how
 * many calls failed and how long it took to be served.
 */
async function untilServed(handlers: readonly Handler[], event: unknown, stepMs: number, limitMs: number) {
  const startedAt = Date.now();
  const recovery = handlers.map(() => ({ failedCalls: 0, recoverySeconds: Infinity }));
  while (recovery.some((r) => r.recoverySeconds === Infinity) && Date.now() - startedAt <= limitMs) {
    for (const [i, handler] of handlers.entries()) {
      if (recovery[i]!.recoverySeconds !== Infinity) continue;
      const outcome: InvokeOutcome = await invokeDirect(handler, event);
      if (outcome.ok) recovery[i]!.recoverySeconds = Math.round((Date.now() - startedAt) / 1000);
      else recovery[i]!.failedCalls += 1;
    }
    offsetMs += stepMs;
  }
  return recovery;
}

describe('a rotated secret is used by the next call (CONTRACT section 2)', () => {
  test('two warm containers whose copies predate the rotation: neither fails a call, each reads the secret once more', async () => {
    const [first, second] = [h.loadHandler(), h.loadHandler()];
    expect((await invokeDirect(first, {})).ok).toBe(true);
    expect((await invokeDirect(second, {})).ok).toBe(true);
    expect(h.secrets.readsOf(h.secretName)).toBe(2);

    // The operator rotates the secret; WLL stops accepting the old one at once.
    offsetMs += 2_000;
    const rotated = { ...h.client, clientSecret: `${h.client.clientSecret}-rotated` };
    h.wll.setClients([rotated]);
    h.putCredentials(rotated);

    // No token for this audience is cached yet: the first container meets the refusal itself,
    // the second finds it remembered on the lease item (recorded after its own read).
    const [seenHere, remembered] = await untilServed([first, second], STAGING, 5_000, 60_000);

    // Served by the first call each: no failure, and no step of the clock (recovery is the calls' own time).
    expect({ seenHere, remembered }).toEqual({
      seenHere: { failedCalls: 0, recoverySeconds: expect.any(Number) },
      remembered: { failedCalls: 0, recoverySeconds: expect.any(Number) },
    });
    expect(Math.max(seenHere!.recoverySeconds, remembered!.recoverySeconds)).toBeLessThan(5);
    expect(h.secrets.readsOf(h.secretName)).toBe(4);
    // The first token, the refusal of the old credentials, and one token for the new ones, which the second container read.
    expect(h.wll.requests).toBe(3);
  });

  test('a container that re-read after the refusal skips the re-read: a wave costs one read per container, and a secret put later is read within 30 s', async () => {
    const [first, second] = [h.loadHandler(), h.loadHandler()];
    await invokeDirect(first, {});
    await invokeDirect(second, {});
    offsetMs += 2_000;
    // WLL revokes the credentials and knows the new ones; the operator has not put them in the secret yet.
    const replacement = { ...h.client, clientSecret: `${h.client.clientSecret}-replacement` };
    h.wll.setClients([replacement]);

    const outcomes = [];
    for (let i = 0; i < 10; i += 1) for (const handler of [first, second]) outcomes.push(await invokeDirect(handler, STAGING));

    expect(outcomes.every((o) => !o.ok && o.errorType === 'CredentialsError')).toBe(true);
    expect(outcomes.at(-1)).toMatchObject({ errorMessage: expect.stringMatching(/holds the same credentials/) });
    // A first read and one re-read per container; the refusal reached the issuer once.
    expect(h.secrets.readsOf(h.secretName)).toBe(4);
    expect(h.wll.requests).toBe(2);

    // The operator puts them after the refusal: a container that re-read since reads again once
    // its copy is 30 s old (SECRET_REREAD_INTERVAL_MS), not only when the memory lapses in 5 minutes.
    h.putCredentials(replacement);
    offsetMs += 30_000;
    expect(await invokeDirect(first, STAGING)).toMatchObject({ ok: true, result: { source: 'issuer' } });
    expect(await invokeDirect(second, STAGING)).toMatchObject({ ok: true, result: { source: 'cache' } });
    expect(h.secrets.readsOf(h.secretName)).toBe(6);
  });
});

describe('an answer the function cannot use is remembered across containers (CONTRACT section 7)', () => {
  test('a lifetime not longer than TOKEN_REFRESH_MARGIN_SECONDS (300 s by default): 20 calls over 2 containers mint once, with a message saying what to change', async () => {
    h.wll.lifetimeSeconds = 240;
    const containers = [h.loadHandler(), h.loadHandler()];

    const outcomes = [];
    for (let i = 0; i < 20; i += 1) {
      outcomes.push(await invokeDirect(containers[i % 2]!, {}));
      offsetMs += 1_000;
    }

    expect({ mintsFor20Calls: h.wll.requests }).toEqual({ mintsFor20Calls: 1 });
    expect(outcomes.filter((o) => o.ok)).toEqual([]);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ errorType: 'IssuerError', errorMessage: expect.stringContaining('TOKEN_REFRESH_MARGIN_SECONDS') });
      const message = (outcome as { errorMessage: string }).errorMessage;
      expect(message.length).toBeLessThanOrEqual(1_000);
      for (const { accessToken } of h.wll.issued) expect(message).not.toContain(accessToken);
    }
    expect((outcomes[0] as { errorMessage: string }).errorMessage).toMatch(/valid for \d+ s.*TOKEN_REFRESH_MARGIN_SECONDS \(300 s\).*lifetime/);
    expect((outcomes[19] as { errorMessage: string }).errorMessage).toMatch(/remembered for another \d+ s/);
  });

  test('an absurd lifetime (40 days): remembered the same way, and asked again once the memory lapses', async () => {
    h.wll.lifetimeSeconds = 40 * 86_400;
    const containers = [h.loadHandler(), h.loadHandler()];

    const outcomes = [];
    for (let i = 0; i < 20; i += 1) outcomes.push(await invokeDirect(containers[i % 2]!, {}));

    expect({ mintsFor20Calls: h.wll.requests }).toEqual({ mintsFor20Calls: 1 });
    expect(outcomes.every((o) => !o.ok && o.errorType === 'IssuerError')).toBe(true);
    expect((outcomes[0] as { errorMessage: string }).errorMessage).toMatch(/over 30 days.*token lifetime/);

    // The issuer is fixed; once the memory lapses, the next call mints and is served.
    h.wll.lifetimeSeconds = 86_400;
    // The memory lasts 5 minutes, recorded the clock-skew tolerance longer (lambda/core/clock-skew.ts).
    offsetMs += 5 * 60_000 + CLOCK_SKEW_TOLERANCE_MS + 1_000;
    expect(await invokeDirect(containers[1]!, {})).toMatchObject({ ok: true, result: { source: 'issuer' } });
    expect(h.wll.requests).toBe(2);
  });
});

describe('the lease item carries what these memories need', () => {
  const signal = () => AbortSignal.timeout(2_000);

  async function released(leases: DynamoDbLeaseStore, key: string, result: Parameters<DynamoDbLeaseStore['release']>[1]) {
    const outcome = await leases.acquire(key, 15_000, signal());
    if (outcome.kind !== 'acquired') throw new Error('the lease should be free');
    await leases.release(outcome.lease, result, signal());
    return leases.acquire(key, 15_000, signal());
  }

  test('a rejection keeps when it was seen; an unusable answer keeps its message, bounded', async () => {
    const leases = new DynamoDbLeaseStore(h.tableName, h.dynamodb);
    const seenAtMs = Date.now() - 1_234;

    const rejected = await released(leases, 'k1', { rejection: { untilMs: Date.now() + 60_000, message: 'refused', seenAtMs } });
    const unusable = await released(leases, 'k2', { backoff: { notBeforeMs: Date.now() + 60_000, reason: 'unusable_answer', message: 'x'.repeat(5_000) } });

    expect(rejected).toMatchObject({ kind: 'rejected', rejection: { message: 'refused', seenAtMs } });
    expect(unusable).toMatchObject({ kind: 'backoff', backoff: { reason: 'unusable_answer' } });
    expect((unusable as { backoff: { message: string } }).backoff.message.length).toBe(600);
  });

  test('a rejection recorded without its time (an older item) says nothing of when', async () => {
    const leases = new DynamoDbLeaseStore(h.tableName, h.dynamodb);
    await h.dynamodb.send(
      new PutItemCommand({
        TableName: h.tableName,
        Item: { pk: { S: 'lease#k3' }, rejectedUntil: { N: String(Date.now() + 60_000) }, rejection: { S: 'refused' } },
      }),
    );

    const outcome = await leases.acquire('k3', 15_000, signal());

    expect(outcome).toEqual({ kind: 'rejected', rejection: { untilMs: expect.any(Number), message: 'refused' } });
  });
});
