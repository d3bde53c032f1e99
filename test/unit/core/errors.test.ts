import { BadRequestError, CredentialsError, IssuerError, MAX_MESSAGE_LENGTH } from '../../../lambda/core/errors';

test.each([
  ['BadRequestError', (message: string) => new BadRequestError(message)],
  ['CredentialsError', (message: string) => new CredentialsError('rejected', message)],
  ['IssuerError', (message: string) => new IssuerError(message)],
])('a %s message is at most 1,000 characters, whatever it was built from', (_name, create) => {
  const error = create(`start ${'x'.repeat(200_000)} end`);

  expect(MAX_MESSAGE_LENGTH).toBe(1_000);
  expect(error.message).toHaveLength(1_000);
  expect(error.message.startsWith('start x')).toBe(true);
  expect(error.message.endsWith('...')).toBe(true);
});

test('a short message is kept as it is', () => {
  expect(new BadRequestError('short').message).toBe('short');
});
