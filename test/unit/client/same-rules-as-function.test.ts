import { SET_NAME } from '../../../client/credential-set';
import { SHA256_HEX as CLIENT_SHA256_HEX, tokenSha256 as clientSha256 } from '../../../client/fingerprint';
import { MAX_CREDENTIAL_SETS as INFRA_MAX_SETS, CREDENTIAL_SET_NAME as INFRA_SET_NAME } from '../../../infra/credential-sets';
import { MAX_CREDENTIAL_SETS, SET_NAME_PATTERN } from '../../../lambda/config/credential-sets';
import { SHA256_HEX, tokenSha256 } from '../../../lambda/core/token-fingerprint';

// The published clients keep their own copies of two of the function's rules, so their types
// stand alone (no import of lambda/). These tests keep the copies equal to the originals.

const SAMPLE_NAMES = ['eu-prod', 'a', 'default', 'x'.repeat(40), 'x'.repeat(41), 'Eu-prod', '1eu', 'eu_prod', 'eu-', '-eu', 'eu prod', ''];

test('the client checks credential set names with the same pattern as the function', () => {
  expect(SET_NAME.source).toBe(SET_NAME_PATTERN.source);
  expect(SET_NAME.flags).toBe(SET_NAME_PATTERN.flags);
  for (const name of SAMPLE_NAMES) expect([name, SET_NAME.test(name)]).toEqual([name, SET_NAME_PATTERN.test(name)]);
});

test('the construct reads the set-name pattern and the set limit from the function', () => {
  expect(INFRA_SET_NAME).toBe(SET_NAME_PATTERN);
  expect(INFRA_MAX_SETS).toBe(MAX_CREDENTIAL_SETS);
});

test("the client's token fingerprint is the function's, for every kind of token text", () => {
  expect(CLIENT_SHA256_HEX.source).toBe(SHA256_HEX.source);
  const tokens = ['eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.c2ln', 'ü-non-ascii-€', 'a', ' spaced token ', 'x'.repeat(5000)];
  for (const token of tokens) {
    const fingerprint = clientSha256(token);
    expect(fingerprint === tokenSha256(token)).toBe(true);
    expect(SHA256_HEX.test(fingerprint)).toBe(true);
  }
});
