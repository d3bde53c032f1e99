import type { TokenResult as FunctionTokenResult } from '../../../lambda/entry/token-result';
import { ConfigurationError, UnexpectedError } from '../../../client/errors';
import { checkAnswered, parseTokenResult, type TokenResult } from '../../../client/token-result';

/**
 * The clients declare the service's answer themselves, so their published types need nothing
 * from the function's code. These checks fail `npm run typecheck` the day the two drift apart.
 * `credentialSet` is optional on the clients' side only: a deployment older than credential
 * sets (CONTRACT section 8) does not send it, and the clients still talk to those.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type WithoutSet<T> = Omit<T, 'credentialSet'>;
const clientsMatchTheFunction: Same<WithoutSet<TokenResult>, WithoutSet<FunctionTokenResult>> = true;
const keysMatch: Same<Exclude<keyof TokenResult, 'credentialSet'>, Exclude<keyof FunctionTokenResult, 'credentialSet'>> = true;
const everyAnswerFits: FunctionTokenResult extends TokenResult ? true : false = true;

const ANSWER = {
  accessToken: 'tok-abc',
  tokenType: 'Bearer',
  expiresAt: '2026-11-30T12:00:00.000Z',
  expiresIn: 86_100,
  audience: 'wlloyalty.net',
  source: 'cache',
} as const;

test('the clients parse exactly the function\'s answer, with or without credentialSet', () => {
  const older = { ...ANSWER };
  const answer: FunctionTokenResult & { readonly credentialSet?: string } = { ...ANSWER, credentialSet: 'eu-prod' };

  expect(parseTokenResult(JSON.parse(JSON.stringify(answer)), 'The service')).toEqual(answer);
  expect(parseTokenResult(JSON.parse(JSON.stringify(older)), 'The service')).toEqual(older);
  expect(parseTokenResult({ ...ANSWER, credentialSet: 'default' }, 'The service').credentialSet).toBe('default');
  expect([clientsMatchTheFunction, keysMatch, everyAnswerFits]).toEqual([true, true, true]);
});

test.each([[42], [''], ['EU'], ['x'.repeat(41)]])('a credentialSet of %p is not a set name', (credentialSet) => {
  expect(() => parseTokenResult({ ...ANSWER, credentialSet }, 'The service')).toThrow(UnexpectedError);
  expect(() => parseTokenResult({ ...ANSWER, credentialSet }, 'The service')).toThrow(/credentialSet is not a set name/);
});

describe('an answer for another set than the one asked for is refused', () => {
  const parsed = (credentialSet?: string) => parseTokenResult(credentialSet === undefined ? ANSWER : { ...ANSWER, credentialSet }, 'The service');

  test('the default set answering for eu-prod: a ConfigurationError naming both, never the token', () => {
    const error = (() => {
      try {
        return checkAnswered(parsed('default'), { credentialSet: 'eu-prod' }, 'Alias eu-prod of function f', 'add the set');
      } catch (e) {
        return e;
      }
    })();

    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(
      "Alias eu-prod of function f answered with a token of credential set 'default', not 'eu-prod' as asked: add the set. The token was not used.",
    );
  });

  test.each([
    ['the same set', 'eu-prod', 'eu-prod'],
    ['an older deployment that does not say', undefined, 'eu-prod'],
    ['a set the client cannot know (a qualified functionName without credentialSet)', 'eu-prod', undefined],
  ])('%s is accepted', (_what, answered, asked) => {
    expect(checkAnswered(parsed(answered), { credentialSet: asked }, 'The service', 'fix')).toEqual(parsed(answered));
  });
});

test.each([
  ['a line break', 'tok-abc\r\nX-Injected: secret-part'],
  ['a NUL', 'tok-abc\u0000secret-part'],
  ['a space', 'tok-abc secret-part'],
  ['a non-ASCII character', 'tok-ä-secret-part'],
])('an accessToken with %s is not a token result, and the message does not quote it', (_what, accessToken) => {
  const parse = () => parseTokenResult({ ...ANSWER, accessToken }, 'The service');

  expect(parse).toThrow(UnexpectedError);
  expect(parse).toThrow(/accessToken is not a bearer token an HTTP header can carry/);
  expect(parse).not.toThrow(/secret-part/);
});
