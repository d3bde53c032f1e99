import { tokenSealFor } from '../../../lambda/table/token-seal';
import { openPerContract } from '../../support/contract-seal';

const credentials = { clientId: 'client-a', clientSecret: 'secret-a-0123456789' };
const PK = 'token#key-1';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.c2lnbmF0dXJl';

test('a sealed token opens with the same credentials and pk', () => {
  const seal = tokenSealFor(credentials);

  const sealed = seal.seal(TOKEN, PK);

  expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
  expect(sealed).not.toContain(TOKEN);
  expect(seal.open(sealed, PK)).toBe(TOKEN);
  expect(tokenSealFor({ ...credentials }).open(sealed, PK)).toBe(TOKEN);
});

test('the format is the contract: nonce (12) ‖ ciphertext ‖ tag (16), HKDF key, pk as additional data', () => {
  const sealed = tokenSealFor(credentials).seal(TOKEN, PK);

  expect(Buffer.from(sealed.slice(3), 'base64url')).toHaveLength(12 + Buffer.byteLength(TOKEN) + 16);
  expect(openPerContract({ pk: { S: PK }, sealedToken: { S: sealed } }, credentials)).toBe(TOKEN);
});

test('each seal uses a new nonce', () => {
  const seal = tokenSealFor(credentials);

  expect(seal.seal(TOKEN, PK)).not.toBe(seal.seal(TOKEN, PK));
});

test.each([
  ['another client secret', { ...credentials, clientSecret: 'secret-b-0123456789' }, PK],
  ['another client id (the HKDF salt)', { ...credentials, clientId: 'client-b' }, PK],
  ['another pk (the additional data)', credentials, 'token#key-2'],
])('it does not open with %s', (_name, other, pk) => {
  const sealed = tokenSealFor(credentials).seal(TOKEN, PK);

  expect(tokenSealFor(other).open(sealed, pk)).toBeUndefined();
});

test('any tampered byte, a truncated value, another version or garbage does not open', () => {
  const seal = tokenSealFor(credentials);
  const sealed = seal.seal(TOKEN, PK);
  const bytes = Buffer.from(sealed.slice(3), 'base64url');

  for (let i = 0; i < bytes.length; i += 1) {
    const tampered = Buffer.from(bytes);
    tampered[i] = (tampered[i] ?? 0) ^ 0x01;
    expect(seal.open(`v1.${tampered.toString('base64url')}`, PK)).toBeUndefined();
  }
  expect(seal.open(sealed.slice(0, -4), PK)).toBeUndefined();
  expect(seal.open(`v2.${sealed.slice(3)}`, PK)).toBeUndefined();
  for (const garbage of ['', 'v1.', 'v1.!!!!', 'v1.AAAA', TOKEN, `v1.${'A'.repeat(200)}`]) expect(seal.open(garbage, PK)).toBeUndefined();
});
