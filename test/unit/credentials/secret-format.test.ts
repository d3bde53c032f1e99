import { CredentialsError } from '../../../lambda/core/errors';
import { parseCredentialsSecret, PLACEHOLDER_SECRET_TEMPLATE } from '../../../lambda/credentials/secret-format';

const SECRET_ID = 'wll/credentials';

function failure(value: string): CredentialsError {
  try {
    parseCredentialsSecret(value, SECRET_ID);
  } catch (error) {
    if (error instanceof CredentialsError) return error;
    throw error;
  }
  throw new Error('expected a CredentialsError');
}

test('reads client_id and client_secret, ignoring other keys', () => {
  expect(parseCredentialsSecret('{"client_id":"id-1","client_secret":"s3cr3t-value","note":"x"}', SECRET_ID)).toEqual({
    clientId: 'id-1',
    clientSecret: 's3cr3t-value',
  });
});

test.each([
  ['not JSON', 'client_secret=hunter2-very-secret', /is not JSON/],
  ['a JSON string', '"hunter2-very-secret"', /is not a JSON object/],
  ['an array', '["hunter2-very-secret"]', /is not a JSON object/],
  ['no client_id', '{"client_secret":"hunter2-very-secret"}', /has no "client_id" key/],
  ['a numeric secret', '{"client_id":"a","client_secret":12345678}', /"client_secret" that is not a string/],
  ['an empty secret', '{"client_id":"a","client_secret":""}', /has an empty "client_secret"/],
])('%s is unusable, and the message names the problem but never the value', (_what, value, message) => {
  const error = failure(value);

  expect(error).toMatchObject({ name: 'CredentialsError', reason: 'unavailable', code: 'credentials_unavailable', status: 500 });
  expect(error.message).toMatch(message);
  expect(error.message).toContain(SECRET_ID);
  expect(error.message).not.toContain('hunter2');
});

test('the placeholder of a new stack says the credentials are not set yet, and how to set them', () => {
  const error = failure(JSON.stringify({ ...PLACEHOLDER_SECRET_TEMPLATE, client_secret: 'generated-random' }));

  expect(error.message).toMatch(/credentials not set yet in secret wll\/credentials: put them with aws secretsmanager put-secret-value --secret-id wll\/credentials/);
  expect(error.message).not.toContain('generated-random');
});
