import type { TokenResult as FunctionTokenResult } from '../../lambda/token-result';
import { parseTokenResult, type TokenResult } from '../../client/token-result';

/**
 * The clients declare the service's answer themselves, so their published types need nothing
 * from the function's code. These checks fail `npm run typecheck` the day the two drift apart.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const clientsMatchTheFunction: Same<TokenResult, FunctionTokenResult> = true;
const keysMatch: Same<keyof TokenResult, keyof FunctionTokenResult> = true;

test('the clients parse exactly the function\'s answer', () => {
  const answer: FunctionTokenResult = {
    accessToken: 'tok-abc',
    tokenType: 'Bearer',
    expiresAt: '2026-11-30T12:00:00.000Z',
    expiresIn: 86_100,
    audience: 'wlloyalty.net',
    source: 'cache',
    credentialSet: 'eu-prod',
  };

  expect(parseTokenResult(JSON.parse(JSON.stringify(answer)), 'The service')).toEqual(answer);
  expect([clientsMatchTheFunction, keysMatch]).toEqual([true, true]);
});
