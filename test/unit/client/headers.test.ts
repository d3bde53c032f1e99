import { wllAdminHeaders } from '../../../client/headers';

test('the Authorization header from a token string or a token result', () => {
  expect(wllAdminHeaders('tok-123')).toEqual({ Authorization: 'Bearer tok-123' });
  expect(wllAdminHeaders({ accessToken: 'tok-456' })).toEqual({ Authorization: 'Bearer tok-456' });
});

test('X-Api-Key when an API key is given, nothing when it is undefined', () => {
  expect(wllAdminHeaders('tok-123', 'key-789')).toEqual({ Authorization: 'Bearer tok-123', 'X-Api-Key': 'key-789' });
  expect(wllAdminHeaders('tok-123', undefined)).toEqual({ Authorization: 'Bearer tok-123' });
});

test('an empty token or API key is a mistake, said without echoing anything', () => {
  expect(() => wllAdminHeaders('')).toThrow(/needs a token/);
  expect(() => wllAdminHeaders({ accessToken: ' ' })).toThrow(TypeError);
  expect(() => wllAdminHeaders('tok-123', '')).toThrow(/empty API key/);
});

describe('values a header cannot carry are refused before any request, and never quoted', () => {
  const TOKEN_WITH_LINE_BREAK = 'eyJhbGciOiJSUzI1NiJ9.payload\r\nX-Injected: secret-part';

  test.each([
    ['a token with CR LF', () => wllAdminHeaders(TOKEN_WITH_LINE_BREAK), /token holds a character an HTTP header cannot carry/],
    ['a token with NUL', () => wllAdminHeaders('tok\u0000secret-part'), /token holds a character/],
    ['a token with an inner space', () => wllAdminHeaders({ accessToken: 'tok secret-part' }), /token holds a character/],
    ['an API key with LF', () => wllAdminHeaders('tok-123', 'key\nsecret-part'), /API key holds a character/],
    ['an API key beyond ASCII', () => wllAdminHeaders('tok-123', 'kéy-secret-part'), /API key holds a character/],
  ])('%s', (_what, call, message) => {
    expect(call).toThrow(message);
    let said = '';
    try {
      call();
    } catch (error) {
      said = (error as Error).message;
    }
    expect(said).not.toContain('secret-part');
  });
});
