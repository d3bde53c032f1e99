import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SecretsManagerCredentials } from '../../../lambda/credentials/secrets-manager';
import { CredentialsError } from '../../../lambda/core/errors';

const secrets = mockClient(SecretsManagerClient);
const SECRET = JSON.stringify({ client_id: 'id-1', client_secret: 'secret-one-value' });
const SECOND = JSON.stringify({ client_id: 'id-2', client_secret: 'secret-two-value' });
const MINUTE = 60_000;
let now = 1_000_000;
let failures: { servedStale: boolean }[];

/** A deadline far enough away that only the read's own bound applies. */
const later = () => now + 20_000;

function source(): SecretsManagerCredentials {
  return new SecretsManagerCredentials('wll/credentials', {
    client: new SecretsManagerClient({ region: 'eu-west-1' }),
    now: () => now,
    onReadFailure: (_error, servedStale) => failures.push({ servedStale }),
  });
}

const throttled = () => Object.assign(new Error('slow down'), { name: 'ThrottlingException' });

beforeEach(() => {
  secrets.reset();
  now = 1_000_000;
  failures = [];
});

test('reads the secret once and keeps it for five minutes', async () => {
  secrets.on(GetSecretValueCommand).resolves({ SecretString: SECRET });
  const credentials = source();

  await credentials.get(later());
  now += 5 * MINUTE - 1;
  await credentials.get(later());
  expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: 'wll/credentials' });

  now += 1;
  await expect(credentials.get(later())).resolves.toEqual({ clientId: 'id-1', clientSecret: 'secret-one-value' });
  expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
});

test('concurrent callers share one read', async () => {
  secrets.on(GetSecretValueCommand).resolves({ SecretString: SECRET });
  const credentials = source();

  await Promise.all([credentials.get(later()), credentials.get(later()), credentials.get(later())]);

  expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
});

describe('reread after a refusal (CONTRACT sections 2 and 7)', () => {
  const INTERVAL = 30_000;

  test('a copy read before the refusal is read again at once, however recent', async () => {
    secrets.on(GetSecretValueCommand).resolvesOnce({ SecretString: SECRET }).resolves({ SecretString: SECOND });
    const credentials = source();
    await credentials.get(later());
    now += 1_000;

    // Refused just now (no time given): newer than the copy.
    await expect(credentials.reread(later(), { minIntervalMs: INTERVAL })).resolves.toMatchObject({ clientId: 'id-2' });
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  test('a refusal remembered from before this container read the secret is no reason to read it again, until the interval', async () => {
    secrets.on(GetSecretValueCommand).resolvesOnce({ SecretString: SECRET }).resolves({ SecretString: SECOND });
    const credentials = source();
    const refusedAt = now - 1;
    await credentials.get(later());

    await expect(credentials.reread(later(), { seenAtMs: refusedAt, minIntervalMs: INTERVAL })).resolves.toMatchObject({ clientId: 'id-1' });
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);

    now += INTERVAL;
    await expect(credentials.reread(later(), { seenAtMs: refusedAt, minIntervalMs: INTERVAL })).resolves.toMatchObject({ clientId: 'id-2' });
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  test('a wave of callers refused once: one re-read, shared by concurrent callers and skipped by later ones', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: SECRET });
    const credentials = source();
    await credentials.get(later());
    now += 1_000;
    const refusedAt = now;
    now += 10;

    await Promise.all([1, 2, 3].map(() => credentials.reread(later(), { seenAtMs: refusedAt, minIntervalMs: INTERVAL })));
    now += 1_000;
    await credentials.reread(later(), { seenAtMs: refusedAt, minIntervalMs: INTERVAL });

    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  test('a re-read that failed since the refusal counts: Secrets Manager is not asked on every refused call', async () => {
    secrets.on(GetSecretValueCommand).resolvesOnce({ SecretString: SECRET }).rejects(throttled());
    const credentials = source();
    await credentials.get(later());
    now += 1_000;
    const refusedAt = now;

    await expect(credentials.reread(later(), { seenAtMs: refusedAt, minIntervalMs: INTERVAL })).resolves.toMatchObject({ clientId: 'id-1' });
    now += 1_000;
    await expect(credentials.reread(later(), { seenAtMs: refusedAt, minIntervalMs: INTERVAL })).resolves.toMatchObject({ clientId: 'id-1' });

    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });
});

test('a failed first read is not remembered', async () => {
  secrets
    .on(GetSecretValueCommand)
    .rejectsOnce(new ResourceNotFoundException({ message: 'not found', $metadata: {} }))
    .resolves({ SecretString: SECRET });
  const credentials = source();

  await expect(credentials.get(later())).rejects.toThrow(/does not exist/);
  await expect(credentials.get(later())).resolves.toMatchObject({ clientId: 'id-1' });
  expect(failures).toEqual([{ servedStale: false }]);
});

test('while Secrets Manager fails, the last credentials read serve for up to an hour, with one read per 30 s', async () => {
  secrets.on(GetSecretValueCommand).resolvesOnce({ SecretString: SECRET }).rejects(throttled());
  const credentials = source();
  await credentials.get(later());

  now += 5 * MINUTE;
  await expect(credentials.get(later())).resolves.toMatchObject({ clientId: 'id-1' });
  now += 10_000;
  await expect(credentials.get(later())).resolves.toMatchObject({ clientId: 'id-1' });
  expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  now += 20_000;
  await expect(credentials.get(later())).resolves.toMatchObject({ clientId: 'id-1' });
  expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 3);
  expect(failures).toEqual([{ servedStale: true }, { servedStale: true }]);

  now = 1_000_000 + 60 * MINUTE;
  await expect(credentials.get(later())).rejects.toThrow(/answered ThrottlingException/);
  expect(failures.at(-1)).toEqual({ servedStale: false });
});

test("a read with no time left asks nobody and is no Secrets Manager failure (issue 22 item 4: no false SecretUnavailable)", async () => {
  secrets.on(GetSecretValueCommand).resolves({ SecretString: SECRET });
  const credentials = source();

  await expect(credentials.get(now - 1)).rejects.toThrow(/^Could not read secret wll\/credentials: this invocation had no time left to read it: try again\.$/);
  expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 0);
  expect(failures).toEqual([]);
  // Nor is it remembered as one: the next call with time reads at once.
  await expect(credentials.get(later())).resolves.toMatchObject({ clientId: 'id-1' });
});

test("with credentials in hand and no time left, the last credentials serve, and nothing is counted", async () => {
  secrets.on(GetSecretValueCommand).resolves({ SecretString: SECRET });
  const credentials = source();
  await credentials.get(later());
  now += 5 * MINUTE;

  await expect(credentials.get(now)).resolves.toMatchObject({ clientId: 'id-1' });
  expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  expect(failures).toEqual([]);
});

test('a malformed value fails at once, even with credentials in hand: the operator changed it', async () => {
  secrets.on(GetSecretValueCommand).resolvesOnce({ SecretString: SECRET }).resolves({ SecretString: '{"client_id": ""}' });
  const credentials = source();
  await credentials.get(later());
  now += 5 * MINUTE;

  await expect(credentials.get(later())).rejects.toThrow(/empty "client_id"/);
});

test.each([
  ['AccessDeniedException', /not allowed to read it: grant secretsmanager:GetSecretValue/],
  ['DecryptionFailure', /could not decrypt it/],
  ['InvalidRequestException', /scheduled for deletion/],
  ['ThrottlingException', /answered ThrottlingException: try again/],
  // The SDK found no AWS credentials: Secrets Manager was never asked, its health is not the question.
  ['CredentialsProviderError', /no usable AWS credentials to ask Secrets Manager with: aws says no\.$/],
])('%s becomes a CredentialsError saying what to do', async (name, message) => {
  secrets.on(GetSecretValueCommand).rejects(Object.assign(new Error('aws says no'), { name }));

  const error = await source()
    .get(later())
    .catch((e: unknown) => e);

  expect(error).toBeInstanceOf(CredentialsError);
  expect(error).toMatchObject({ reason: 'unavailable', message: expect.stringMatching(message) });
});

test('a binary secret is reported as such', async () => {
  secrets.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2, 3]) });

  await expect(source().get(later())).rejects.toThrow(/holds binary data/);
});
