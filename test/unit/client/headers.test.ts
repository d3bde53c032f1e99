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
