import { apiEvent } from '../support/lambda-runtime';
import { newClient } from '../support/harness';
import { outcome, startStand, type RuntimeStand } from '../support/runtime/stand';

/**
 * What callers and operators see (CONTRACT section 7): rejected credentials are
 * remembered across containers, a token is never served past its own JWT expiry,
 * error messages are bounded whatever the input, and the refresh lease has sane
 * bounds. Issue 8, defects 6, 9, 11 and 12.
 */
let stand: RuntimeStand;

afterEach(async () => {
  await stand.close();
});

const MAX_MESSAGE = 1_000;

test('after a 401, 100 invocations over 5 containers reach WLL and Secrets Manager a bounded number of times; new credentials are tried at once (defect 6)', async () => {
  stand = await startStand();
  // WLL no longer knows the credentials in the secret (revoked).
  const rotated = newClient();
  stand.wll.setClients([rotated]);
  const containers = await stand.containers(5);

  const twentyEach = containers.map(async (container) => {
    const out = [];
    for (let i = 0; i < 20; i += 1) out.push(await container.invoke({}));
    return out;
  });
  const results = (await Promise.all(twentyEach)).flat();

  expect(results).toHaveLength(100);
  expect(results.filter((r) => !(r.ok === false && r.errorType === 'CredentialsError'))).toEqual([]);
  // At most one issuer request per container (the first one learns of the rejection),
  // and at most a first read and one re-read of the secret per container.
  const wllRequests = stand.wll.requests;
  const secretReads = stand.secrets.readsOf(stand.secretName);
  // Each bound shows `true` when met, the count when not.
  expect({ wllRequestsAtMost5: wllRequests <= 5 || wllRequests, secretReadsAtMost10: secretReads <= 10 || secretReads }).toEqual({
    wllRequestsAtMost5: true,
    secretReadsAtMost10: true,
  });

  // The operator puts the new credentials: the remembered rejection was of the old ones.
  stand.putCredentials(rotated);
  const fresh = await stand.container();
  const result = await fresh.invoke({});
  expect(outcome(result)).toEqual({ ok: true, source: 'issuer' });
});

test('an answer saying expires_in 7200 for a JWT whose exp is 600 s away is served with expiresAt = exp (defect 12)', async () => {
  stand = await startStand();
  stand.wll.lifetimeSeconds = 600;
  stand.wll.expiresInOverride = 7_200;
  const container = await stand.container();

  const result = await container.invoke({});

  expect(outcome(result)).toMatchObject({ ok: true });
  const exp = jwtExp(stand.wll.issued[0]!.accessToken);
  const { expiresAt, expiresIn } = result.ok ? (result.result as { expiresAt: string; expiresIn: number }) : { expiresAt: '', expiresIn: NaN };
  expect(Math.abs(Date.parse(expiresAt) / 1000 - exp)).toBeLessThanOrEqual(1);
  expect(expiresIn).toBeLessThanOrEqual(600);
});

test('3,000 unknown event fields: a BadRequestError of at most 1,000 characters, and no huge log line (defect 9)', async () => {
  stand = await startStand();
  const container = await stand.container();
  const event = Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [`unexpected_field_number_${i}`, i]));

  const result = await container.invoke(event);

  expect(outcome(result)).toMatchObject({ ok: false, errorType: 'BadRequestError' });
  expect(result.ok ? 0 : result.errorMessage.length).toBeLessThanOrEqual(MAX_MESSAGE);
  const longest = Math.max(...container.output().map((line) => line.text.length));
  expect(longest).toBeLessThanOrEqual(8 * MAX_MESSAGE);
});

test('3,000 unknown query parameters on GET /token: a 400 whose message has at most 1,000 characters (defect 9)', async () => {
  stand = await startStand();
  const container = await stand.container();
  const query = Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [`unexpected_parameter_${i}`, 'x']));

  const result = await container.invoke(apiEvent({ query }));

  expect(result.ok).toBe(true);
  const response = (result as { result: { statusCode: number; body: string } }).result;
  expect(response.statusCode).toBe(400);
  const body = JSON.parse(response.body) as { error: string; message: string };
  expect(body.error).toBe('bad_request');
  expect(body.message.length).toBeLessThanOrEqual(MAX_MESSAGE);
});

test.each([
  ['5', 'shorter than the issuer budget: two requests could overlap'],
  ['60', "longer than the function's timeout"],
])('TOKEN_LEASE_SECONDS=%s (%s) is a ConfigurationError naming the variable (defect 11)', async (value) => {
  stand = await startStand({ environment: { TOKEN_LEASE_SECONDS: value } });
  const container = await stand.container();

  const result = await container.invoke({});

  expect(outcome(result)).toMatchObject({ ok: false, errorType: 'ConfigurationError', errorMessage: expect.stringContaining('TOKEN_LEASE_SECONDS') });
  expect(stand.wll.requests).toBe(0);
});

function jwtExp(token: string): number {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp: number };
  return payload.exp;
}
