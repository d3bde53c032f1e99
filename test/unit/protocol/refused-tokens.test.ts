import { RefusedTokens } from '../../../lambda/protocol/refused-tokens';
import { tokenSha256 } from '../../../lambda/core/token-fingerprint';

const token = (accessToken: string) => ({ accessToken, tokenType: 'Bearer' as const, issuedAt: 1, expiresAt: 2 });

test('a refused token is known for its key only, until its time is up', () => {
  const refused = new RefusedTokens();
  refused.add('k', tokenSha256('tok-1'), 1_000);

  expect(refused.has('k', token('tok-1'))).toBe(true);
  expect(refused.has('k', token('tok-2'))).toBe(false);
  expect(refused.has('other', token('tok-1'))).toBe(false);
  refused.prune(999);
  expect(refused.has('k', token('tok-1'))).toBe(true);
  refused.prune(1_000);
  expect(refused.has('k', token('tok-1'))).toBe(false);
  expect(refused.size).toBe(0);
});

test('a key keeps its 8 latest refusals, whatever callers send', () => {
  const refused = new RefusedTokens();
  for (let n = 1; n <= 20; n += 1) refused.add('k', tokenSha256(`tok-${n}`), 1_000);

  expect(refused.has('k', token('tok-12'))).toBe(false);
  expect(refused.has('k', token('tok-13'))).toBe(true);
  expect(refused.has('k', token('tok-20'))).toBe(true);
});
