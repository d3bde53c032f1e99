import { HangingServer } from '../support/hanging-server';
import { startHarness, type Harness } from '../support/harness';
import { invokeDirect, vendOrFail } from '../support/lambda-runtime';
import { capturedOutput } from '../support/log-capture';
import { expectSameToken } from '../support/token-assertions';

/**
 * Peers that fail the way they really do (CONTRACT section 7), through the real handler:
 * a DynamoDB or Secrets Manager endpoint that accepts the connection and never answers,
 * and Secrets Manager failing on the warm path. Every answer comes well inside the
 * function's 20 s timeout.
 */
let h: Harness;
let hanging: HangingServer;

beforeEach(async () => {
  h = await startHarness({ delayMs: 50 });
  hanging = await HangingServer.start();
});

afterEach(async () => {
  jest.restoreAllMocks();
  await Promise.all([h.close(), hanging.close()]);
});

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await run();
  return { value, ms: Date.now() - started };
}

function shiftClock(ms: number): void {
  const realNow = Date.now.bind(Date);
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + ms);
}

test('DynamoDB hanging: the first call is answered from the issuer within seconds, the next from memory at once', async () => {
  const handler = h.loadHandler({ AWS_ENDPOINT_URL_DYNAMODB: hanging.endpoint });

  const first = await timed(() => vendOrFail(handler));
  const second = await timed(() => vendOrFail(handler));

  expect(hanging.accepted).toBeGreaterThan(0);
  expect(first.value.source).toBe('issuer');
  expect(first.ms).toBeLessThan(4_000);
  expect(second.value.source).toBe('memory');
  expect(second.ms).toBeLessThan(200);
  expect(h.wll.requests).toBe(1);
  expect(capturedOutput()).toMatch(/DynamoDB token cache unavailable/);
});

test('Secrets Manager hanging on a cold container: a CredentialsError saying so, within about 5 s', async () => {
  const handler = h.loadHandler({ AWS_ENDPOINT_URL_SECRETS_MANAGER: hanging.endpoint });

  const { value: outcome, ms } = await timed(() => invokeDirect(handler, {}));

  expect(ms).toBeLessThan(7_000);
  expect(outcome).toMatchObject({ ok: false, errorType: 'CredentialsError', errorMessage: expect.stringMatching(/did not answer in the time this invocation had/) });
  expect(h.wll.requests).toBe(0);
});

test('Secrets Manager hanging on the warm path: the token in memory is served, Secrets Manager is asked again only every 30 s', async () => {
  const handler = h.loadHandler();
  const original = await vendOrFail(handler);
  shiftClock(5 * 60_000 + 1_000);
  h.secrets.outage = 'hang';

  const during = await timed(() => vendOrFail(handler));
  const next = await timed(() => vendOrFail(handler));

  expectSameToken(during.value.accessToken, original.accessToken);
  expect(during.value.source).toBe('memory');
  expect(during.ms).toBeLessThan(1_500);
  expect(next.ms).toBeLessThan(200);
  expect(h.secrets.readsOf(h.secretName)).toBe(2);
  expect(capturedOutput()).toMatch(/Secrets Manager unavailable; the credentials read last stay in use/);
});

test('Secrets Manager throttling on the warm path: callers keep being served; after an hour without a read they are told', async () => {
  const handler = h.loadHandler();
  await vendOrFail(handler);
  h.secrets.outage = { status: 400, type: 'ThrottlingException' };

  shiftClock(10 * 60_000);
  const served = await invokeDirect(handler, {});
  jest.restoreAllMocks();
  shiftClock(61 * 60_000);
  const refused = await invokeDirect(handler, {});

  expect(served).toMatchObject({ ok: true, result: { source: 'memory' } });
  expect(refused).toMatchObject({ ok: false, errorType: 'CredentialsError', errorMessage: expect.stringMatching(/ThrottlingException/) });
});
