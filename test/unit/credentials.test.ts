import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SecretsManagerCredentials } from '../../lambda/credentials';
import { CredentialsError } from '../../lambda/errors';

const secrets = mockClient(SecretsManagerClient);
const SECRET = JSON.stringify({ client_id: 'id-1', client_secret: 'secret-one-value' });
let now = 1_000_000;

function source(): SecretsManagerCredentials {
  return new SecretsManagerCredentials('wll/credentials', { client: new SecretsManagerClient({ region: 'eu-west-1' }), now: () => now });
}

beforeEach(() => {
  secrets.reset();
  now = 1_000_000;
});

test('reads the secret once and keeps it for five minutes', async () => {
  secrets.on(GetSecretValueCommand).resolves({ SecretString: SECRET });
  const credentials = source();

  await credentials.get();
  now += 5 * 60_000 - 1;
  await credentials.get();
  expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: 'wll/credentials' });

  now += 1;
  await expect(credentials.get()).resolves.toEqual({ clientId: 'id-1', clientSecret: 'secret-one-value' });
  expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
});

test('concurrent callers share one read', async () => {
  secrets.on(GetSecretValueCommand).resolves({ SecretString: SECRET });
  const credentials = source();

  await Promise.all([credentials.get(), credentials.get(), credentials.get()]);

  expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
});

test('invalidate makes the next call read the secret again', async () => {
  secrets
    .on(GetSecretValueCommand)
    .resolvesOnce({ SecretString: SECRET })
    .resolves({ SecretString: JSON.stringify({ client_id: 'id-2', client_secret: 'secret-two-value' }) });
  const credentials = source();
  await credentials.get();

  credentials.invalidate();

  await expect(credentials.get()).resolves.toEqual({ clientId: 'id-2', clientSecret: 'secret-two-value' });
});

test('a failed read is not remembered', async () => {
  secrets
    .on(GetSecretValueCommand)
    .rejectsOnce(new ResourceNotFoundException({ message: 'not found', $metadata: {} }))
    .resolves({ SecretString: SECRET });
  const credentials = source();

  await expect(credentials.get()).rejects.toThrow(/does not exist/);
  await expect(credentials.get()).resolves.toMatchObject({ clientId: 'id-1' });
});

test.each([
  ['AccessDeniedException', /not allowed to read it: grant secretsmanager:GetSecretValue/],
  ['DecryptionFailure', /could not decrypt it/],
  ['InvalidRequestException', /scheduled for deletion/],
  ['ThrottlingException', /answered ThrottlingException: try again/],
])('%s becomes a CredentialsError saying what to do', async (name, message) => {
  secrets.on(GetSecretValueCommand).rejects(Object.assign(new Error('aws says no'), { name }));

  const error = await source().get().catch((e: unknown) => e);

  expect(error).toBeInstanceOf(CredentialsError);
  expect(error).toMatchObject({ reason: 'unavailable', message: expect.stringMatching(message) });
});

test('a binary secret is reported as such', async () => {
  secrets.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2, 3]) });

  await expect(source().get()).rejects.toThrow(/holds binary data/);
});
