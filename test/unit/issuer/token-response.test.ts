import { InvalidTokenResponse, jwtExpiry, parseOAuthError, parseTokenResponse } from '../../../lambda/issuer/token-response';

const REQUESTED_AT_MS = 1_800_000_000_500;
const REQUESTED_AT = 1_800_000_000;

function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part(claims)}.signature`;
}

function invalid(body: string): InvalidTokenResponse {
  try {
    parseTokenResponse(body, REQUESTED_AT_MS);
  } catch (error) {
    if (error instanceof InvalidTokenResponse) return error;
    throw error;
  }
  throw new Error('expected an InvalidTokenResponse');
}

test('a standard answer: lifetime from expires_in, counted from the request', () => {
  const token = parseTokenResponse(JSON.stringify({ access_token: 'abc.def.ghi', token_type: 'Bearer', expires_in: 86_400, scope: 'x' }), REQUESTED_AT_MS);

  expect(token).toEqual({ accessToken: 'abc.def.ghi', tokenType: 'Bearer', issuedAt: REQUESTED_AT, expiresAt: REQUESTED_AT + 86_400 });
});

test('token_type in any case and a numeric-string expires_in are accepted', () => {
  const token = parseTokenResponse('{"access_token":"t0k3n","token_type":"bearer","expires_in":"3600.9"}', REQUESTED_AT_MS);

  expect(token).toMatchObject({ tokenType: 'Bearer', expiresAt: REQUESTED_AT + 3_600 });
});

test('without expires_in, the JWT exp; without both, 24 hours', () => {
  const withExp = parseTokenResponse(JSON.stringify({ access_token: jwt({ exp: REQUESTED_AT + 7_200 }), token_type: 'Bearer' }), REQUESTED_AT_MS);
  const withNone = parseTokenResponse(JSON.stringify({ access_token: 'opaque', token_type: 'Bearer' }), REQUESTED_AT_MS);

  expect(withExp.expiresAt).toBe(REQUESTED_AT + 7_200);
  expect(withNone.expiresAt).toBe(REQUESTED_AT + 86_400);
});

test('the earlier of expires_in and the JWT exp decides: a token is never served past its own expiry', () => {
  const body = JSON.stringify({ access_token: jwt({ exp: REQUESTED_AT + 600 }), token_type: 'Bearer', expires_in: 7_200 });

  expect(parseTokenResponse(body, REQUESTED_AT_MS).expiresAt).toBe(REQUESTED_AT + 600);
});

test.each([
  ['expires_in of 1e13 seconds', { expires_in: 1e13 }, /over 30 days/],
  ['expires_in of 31 days', { expires_in: 31 * 86_400 }, /over 30 days/],
  ['a JWT exp 40 days away', { access_token: jwt({ exp: REQUESTED_AT + 40 * 86_400 }) }, /over 30 days/],
  ['a JWT exp no date can hold', { access_token: jwt({ exp: 1e300 }) }, /over 30 days/],
  ['a JWT exp in the past', { access_token: jwt({ exp: REQUESTED_AT - 10 }), expires_in: 3_600 }, /already expired/],
])('%s is an invalid answer, never cached', (_name, fields, message) => {
  const body = JSON.stringify({ access_token: 'opaque', token_type: 'Bearer', ...fields });

  expect(() => parseTokenResponse(body, REQUESTED_AT_MS)).toThrow(message);
});

test('30 days exactly is still accepted', () => {
  const body = JSON.stringify({ access_token: 'opaque', token_type: 'Bearer', expires_in: 30 * 86_400 });

  expect(parseTokenResponse(body, REQUESTED_AT_MS).expiresAt).toBe(REQUESTED_AT + 30 * 86_400);
});

test.each([
  ['an empty body', '', true, /empty/],
  ['HTML', '<html>oops</html>', true, /not JSON/],
  ['truncated JSON', '{"access_token":"abc', true, /not JSON/],
  ['a JSON array', '[]', false, /not a JSON object/],
  ['no access_token', '{"token_type":"Bearer","expires_in":60}', false, /access_token/],
  ['an empty access_token', '{"access_token":" ","token_type":"Bearer"}', false, /access_token/],
  ['a MAC token', '{"access_token":"t","token_type":"mac"}', false, /token_type/],
  ['a negative expires_in', '{"access_token":"t","token_type":"Bearer","expires_in":-5}', false, /expires_in/],
  ['a zero expires_in', '{"access_token":"t","token_type":"Bearer","expires_in":0}', false, /expires_in/],
  ['a word for expires_in', '{"access_token":"t","token_type":"Bearer","expires_in":"soon"}', false, /expires_in/],
])('%s is invalid (transient: %s)', (_what, body, transient, problem) => {
  const error = invalid(body);
  expect(error.transient).toBe(transient);
  expect(error.problem).toMatch(problem);
});

test('an already expired JWT without expires_in is invalid', () => {
  expect(invalid(JSON.stringify({ access_token: jwt({ exp: REQUESTED_AT - 1 }), token_type: 'Bearer' })).problem).toMatch(/already expired/);
});

test('jwtExpiry ignores what is not a JWT with a numeric exp', () => {
  expect(jwtExpiry('opaque')).toBeUndefined();
  expect(jwtExpiry('a.!!!.c')).toBeUndefined();
  expect(jwtExpiry(jwt({ exp: 'tomorrow' }))).toBeUndefined();
  expect(jwtExpiry(jwt({ exp: 42 }))).toBe(42);
});

test('OAuth error fields are kept short, printable, and free of the secret', () => {
  const body = JSON.stringify({ error: 'access_denied', error_description: `bad secret s3cr3t-XYZ\n${'y'.repeat(500)}` });

  const fields = parseOAuthError(body, ['s3cr3t-XYZ']);

  expect(fields.error).toBe('access_denied');
  expect(fields.description).toMatch(/^bad secret \[redacted\] y+\.\.\.$/);
  expect(fields.description!.length).toBeLessThanOrEqual(203);
  expect(parseOAuthError('<html>', [])).toEqual({});
  expect(parseOAuthError('', [])).toEqual({});
});
