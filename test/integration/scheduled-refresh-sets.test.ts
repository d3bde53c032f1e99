import { PLACEHOLDER_SECRET_TEMPLATE } from '../../lambda/credentials/secret-format';
import { SCHEDULE_ALIAS } from '../../lambda/entry/set-selection';
import { HangingServer } from '../support/hanging-server';
import { newClient, startHarness, type Harness } from '../support/harness';
import { invokeDirect, lambdaContext, type Handler } from '../support/lambda-runtime';
import { capturedOutput } from '../support/log-capture';
import type { StandInClient } from '../support/wll-stand-in';

/**
 * The scheduled refresh of a deployment with credential sets (CONTRACT section 8), through the
 * real handler, DynamoDB Local and the loopback stand-ins:
 * - only EventBridge's own alias runs it (issue 22 item 2): a scheduled event through any other
 *   qualifier is a BadRequestError that reads no secret, and the answer names no set;
 * - one hung WLL region does not starve the sets after it (issue 22 item 4);
 * - a set whose secret still holds the stack's placeholder is "not set up yet", not a failed
 *   run (issue 24 item 3), so a deployment of named sets only refreshes clean.
 */
let h: Harness;
let mark = 0;
/** The clients WLL knows: the harness's, and those added with putClient. */
let known: StandInClient[] = [];

const US_SECRET = 'wll/us-prod';
const STAGING_SECRET = 'wll/us-staging';
const REVOKED_SECRET = 'wll/revoked';
/** EventBridge's event for a scheduled rule, as Lambda receives it. */
const SCHEDULED_EVENT = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-11-29T12:00:00Z',
  region: 'eu-west-1',
  resources: ['arn:aws:events:eu-west-1:123456789012:rule/wll-token-vendor-refresh'],
  detail: {},
};

beforeEach(async () => {
  h = await startHarness();
  known = [h.client];
  mark = capturedOutput().length;
});

afterEach(async () => {
  await h.close();
});

function secretReads(): number {
  return [...h.secrets.reads.values()].reduce((sum, reads) => sum + reads, 0);
}

/** A new WLL client, with its credentials in `secretId`; WLL refuses them with `known: false`. */
function putClient(secretId: string, audiences?: readonly string[], options = { known: true }): StandInClient {
  const client = newClient(audiences);
  if (options.known) h.wll.setClients((known = [...known, client]));
  h.secrets.putSecretString(secretId, JSON.stringify({ client_id: client.clientId, client_secret: client.clientSecret }));
  return client;
}

/** The placeholder a stack-created secret holds until an operator fills it. */
function putPlaceholder(secretId: string): void {
  h.secrets.putSecretString(secretId, JSON.stringify({ ...PLACEHOLDER_SECRET_TEMPLATE, client_secret: 'generated-by-the-stack' }));
}

function loadWithSets(sets: Record<string, unknown>, overrides: Record<string, string | undefined> = {}): Handler {
  return h.loadHandler({ CREDENTIAL_SETS: JSON.stringify(sets), ...overrides });
}

/** The "Scheduled refresh done" line of each set in this test, by set. */
function runsBySet(): Record<string, Record<string, unknown>> {
  const lines = capturedOutput()
    .slice(mark)
    .split('\n')
    .filter((line) => line.includes('"Scheduled refresh done"'))
    .map((line) => JSON.parse(line) as Record<string, unknown> & { credentialSet: string });
  return Object.fromEntries(lines.map((line) => [line.credentialSet, line]));
}

/** The EMF documents written in this test. */
function metricDocuments(): Array<Record<string, unknown>> {
  return capturedOutput()
    .slice(mark)
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("only the schedule's own alias refreshes every set", () => {
  test('a scheduled event through a set alias, the unqualified function, $LATEST or the API alias is a BadRequestError that reads no secret', async () => {
    putClient(US_SECRET, ['staging.wlloyalty.net']);
    const handler = loadWithSets({
      'eu-prod': { secretId: h.secretName, tokenUrl: h.wll.url },
      'us-prod': { secretId: US_SECRET, tokenUrl: h.wll.url, audience: 'staging.wlloyalty.net' },
    });

    const outcomes = [];
    for (const qualifier of ['eu-prod', undefined, '$LATEST', 'api_gateway']) outcomes.push(await invokeDirect(handler, SCHEDULED_EVENT, qualifier));

    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({
        ok: false,
        errorType: 'BadRequestError',
        errorMessage: expect.stringMatching(new RegExp(`^A scheduled event is accepted only through the alias ${SCHEDULE_ALIAS}`)),
      });
      // The refusal names no set: a caller of one set learns nothing of the others.
      expect((outcome as { errorMessage: string }).errorMessage).not.toMatch(/us-prod|eu-prod|staging/);
    }
    expect(secretReads()).toBe(0);
    expect(h.wll.requests).toBe(0);
  });

  test("through its own alias it refreshes every set, and its answer names no set, audience or count", async () => {
    putClient(US_SECRET, ['staging.wlloyalty.net']);
    const handler = loadWithSets({
      'eu-prod': { secretId: h.secretName, tokenUrl: h.wll.url },
      'us-prod': { secretId: US_SECRET, tokenUrl: h.wll.url, audience: 'staging.wlloyalty.net' },
    });

    const outcome = await invokeDirect(handler, SCHEDULED_EVENT, SCHEDULE_ALIAS);

    expect(outcome).toEqual({ ok: true, result: { credentialSets: { done: 3, notSetUp: 0, outOfTime: 0, failed: 0 } } });
    expect(h.wll.requests).toBe(2); // default and eu-prod share one token; us-prod has its own
    const runs = runsBySet();
    expect(Object.keys(runs).sort()).toEqual(['default', 'eu-prod', 'us-prod']);
    expect(runs['us-prod']).toMatchObject({ outcome: 'done', refreshed: ['staging.wlloyalty.net'] });
  });

  test('a failing set fails the run with an error that names no set and no secret; the others are refreshed', async () => {
    putClient(US_SECRET, ['staging.wlloyalty.net']);
    putClient(REVOKED_SECRET, undefined, { known: false }); // WLL refuses these credentials
    const handler = loadWithSets({
      revoked: { secretId: REVOKED_SECRET, tokenUrl: h.wll.url },
      'us-prod': { secretId: US_SECRET, tokenUrl: h.wll.url, audience: 'staging.wlloyalty.net' },
    });

    const outcome = await invokeDirect(handler, SCHEDULED_EVENT, SCHEDULE_ALIAS);

    expect(outcome).toMatchObject({ ok: false, errorType: 'ScheduledRefreshError' });
    const { errorMessage } = outcome as { errorMessage: string };
    expect(errorMessage).toMatch(/^The scheduled refresh failed for 1 credential set: .*"Scheduled refresh done".*request id /);
    expect(errorMessage).not.toMatch(/revoked|us-prod|wll\//);
    const runs = runsBySet();
    expect(runs.revoked).toMatchObject({ outcome: 'failed', failed: [{ audience: 'wlloyalty.net', error: 'CredentialsError' }] });
    expect(runs['us-prod']).toMatchObject({ outcome: 'done', refreshed: ['staging.wlloyalty.net'] });
  });
});

describe('one hung WLL region does not starve the other sets', () => {
  let hanging: HangingServer;
  beforeEach(async () => {
    hanging = await HangingServer.start();
  });
  afterEach(async () => {
    await hanging.close();
  });

  test('with the US endpoint hanging, eu-prod is still refreshed, the US sets are reported out of time, and no Secrets Manager failure is counted', async () => {
    putClient(US_SECRET);
    putClient(STAGING_SECRET);
    const usUrl = `${hanging.endpoint}/oauth/token`;
    // Sets in the order the issue met them: the hung region first.
    const handler = loadWithSets(
      {
        'us-prod': { secretId: US_SECRET, tokenUrl: usUrl },
        'us-staging': { secretId: STAGING_SECRET, tokenUrl: usUrl },
        'eu-prod': { secretId: h.secretName, tokenUrl: h.wll.url },
      },
      { CREDENTIALS_SECRET_ID: undefined },
    );

    const startedAt = Date.now();
    const outcome = await handler(SCHEDULED_EVENT, lambdaContext(6_000, SCHEDULE_ALIAS)).then(
      (result) => ({ ok: true, result }),
      (error: Error) => ({ ok: false, errorType: error.name, errorMessage: error.message }),
    );
    const tookMs = Date.now() - startedAt;

    const runs = runsBySet();
    // eu-prod got its turn: one issuer request, a token minted.
    expect(h.wll.requests).toBe(1);
    expect(runs['eu-prod']).toMatchObject({ outcome: 'done', refreshed: ['wlloyalty.net'], failed: [] });
    // Both US sets asked the hung endpoint, and each is reported as out of time, not as a Secrets Manager failure.
    expect(hanging.accepted).toBeGreaterThanOrEqual(2);
    for (const name of ['us-prod', 'us-staging']) {
      expect(runs[name]).toMatchObject({ outcome: 'out-of-time', failed: [{ audience: 'wlloyalty.net', error: 'IssuerError' }] });
    }
    const documents = metricDocuments();
    expect(documents.filter((doc) => 'SecretUnavailable' in doc)).toEqual([]);
    // Each set's metrics went out under its own name, although the sets ran side by side.
    const minted = documents.filter((doc) => 'TokensMinted' in doc).map((doc) => doc.credentialSet);
    expect(minted).toEqual(['eu-prod']);
    const askedIssuer = documents.filter((doc) => 'IssuerRequests' in doc).map((doc) => doc.credentialSet);
    expect(askedIssuer.sort()).toEqual(['eu-prod', 'us-prod', 'us-staging']);
    // The run fails (the hung sets were not refreshed), within the invocation's time.
    expect(outcome).toMatchObject({ ok: false, errorType: 'ScheduledRefreshError', errorMessage: expect.stringMatching(/failed for 2 credential sets/) });
    expect(tookMs).toBeLessThan(6_000);
  });
});

describe('a set whose secret still holds the placeholder is not set up yet, not a failure', () => {
  test("with sets, the stack's placeholder in the default set's secret and in a named set's leaves the run green", async () => {
    putPlaceholder(h.secretName);
    const euSecret = 'wll/eu-prod';
    h.secrets.putSecretString(euSecret, JSON.stringify({ client_id: h.client.clientId, client_secret: h.client.clientSecret }));
    putPlaceholder(US_SECRET);
    const handler = loadWithSets({
      'eu-prod': { secretId: euSecret, tokenUrl: h.wll.url },
      'us-prod': { secretId: US_SECRET, tokenUrl: h.wll.url },
    });

    const outcome = await invokeDirect(handler, SCHEDULED_EVENT, SCHEDULE_ALIAS);

    expect(outcome).toEqual({ ok: true, result: { credentialSets: { done: 1, notSetUp: 2, outOfTime: 0, failed: 0 } } });
    const runs = runsBySet();
    expect(runs['eu-prod']).toMatchObject({ outcome: 'done', refreshed: ['wlloyalty.net'] });
    for (const name of ['default', 'us-prod']) {
      expect(runs[name]).toMatchObject({ outcome: 'not-set-up', failed: [], action: expect.stringMatching(/^WLL client credentials not set yet in secret /) });
    }
    // A caller of the set that is not set up still gets the error that says what to do.
    expect(await invokeDirect(handler, {}, 'us-prod')).toMatchObject({ ok: false, errorType: 'CredentialsError', errorMessage: expect.stringMatching(/not set yet/) });
  });

  test('a deployment of named sets only (no default secret) refreshes every set and succeeds', async () => {
    putClient(US_SECRET, ['staging.wlloyalty.net']);
    const handler = loadWithSets(
      {
        'eu-prod': { secretId: h.secretName, tokenUrl: h.wll.url },
        'us-prod': { secretId: US_SECRET, tokenUrl: h.wll.url, audience: 'staging.wlloyalty.net' },
      },
      { CREDENTIALS_SECRET_ID: undefined },
    );

    const outcome = await invokeDirect(handler, SCHEDULED_EVENT, SCHEDULE_ALIAS);

    expect(outcome).toEqual({ ok: true, result: { credentialSets: { done: 2, notSetUp: 0, outOfTime: 0, failed: 0 } } });
    expect(Object.keys(runsBySet()).sort()).toEqual(['eu-prod', 'us-prod']);
    expect(h.wll.requests).toBe(2);
  });
});

test('without credential sets the schedule works as before through the unqualified function, and a placeholder is not set up yet', async () => {
  putPlaceholder(h.secretName);
  const handler = h.loadHandler();

  const outcome = await invokeDirect(handler, SCHEDULED_EVENT);

  expect(outcome).toEqual({
    ok: true,
    result: { outcome: 'not-set-up', refreshed: [], current: [], unused: [], failed: [], action: expect.stringMatching(/^WLL client credentials not set yet in secret /) },
  });
  expect(h.wll.requests).toBe(0);
});
