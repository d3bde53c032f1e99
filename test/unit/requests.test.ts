import { BadRequestError } from '../../lambda/errors';
import { parseInvokeEvent, parseQuery, resolveAudience } from '../../lambda/requests';

const CONFIG = { defaultAudience: 'wlloyalty.net', allowedAudiences: ['wlloyalty.net', 'staging.wlloyalty.net'] };

test.each([
  [{}, { forceRefresh: false }],
  [null, { forceRefresh: false }],
  [undefined, { forceRefresh: false }],
  [{ audience: 'staging.wlloyalty.net' }, { audience: 'staging.wlloyalty.net', forceRefresh: false }],
  [{ forceRefresh: true }, { forceRefresh: true }],
])('the event %p is read as %p', (event, request) => {
  expect(parseInvokeEvent(event)).toEqual(request);
});

test.each([
  ['a string', 'token please', /must be a JSON object/],
  ['a number', 7, /must be a JSON object/],
  ['an array', [], /must be a JSON object/],
  ['an unknown field', { audience: 'a', refresh: true }, /Unknown field 'refresh'.*audience and forceRefresh/],
  ['a numeric audience', { audience: 1 }, /audience must be a non-empty string/],
  ['an empty audience', { audience: '' }, /audience must be a non-empty string/],
  ['a string forceRefresh', { forceRefresh: 'true' }, /forceRefresh must be true or false/],
])('%s is a BadRequestError', (_what, event, message) => {
  expect(() => parseInvokeEvent(event)).toThrow(BadRequestError);
  expect(() => parseInvokeEvent(event)).toThrow(message);
});

test('an unknown field with control characters is echoed safely', () => {
  expect(() => parseInvokeEvent({ 'bad\nname': 1 })).toThrow("Unknown field 'bad?name'");
});

test('the query accepts audience only, once, not empty', () => {
  expect(parseQuery(null, null)).toEqual({});
  expect(parseQuery({ audience: 'a' }, { audience: ['a'] })).toEqual({ audience: 'a' });
  expect(() => parseQuery({ aud: 'a' }, { aud: ['a'] })).toThrow("Unknown query parameter 'aud': the only parameter is audience.");
  expect(() => parseQuery({ audience: 'b' }, { audience: ['a', 'b'] })).toThrow(/more than once/);
  expect(() => parseQuery({ audience: '' }, { audience: [''] })).toThrow(/empty/);
});

test('the audience defaults to the configured one and must be allowed', () => {
  expect(resolveAudience(undefined, CONFIG)).toBe('wlloyalty.net');
  expect(resolveAudience('staging.wlloyalty.net', CONFIG)).toBe('staging.wlloyalty.net');
  expect(() => resolveAudience('production.wlloyalty.net', CONFIG)).toThrow(
    "Audience 'production.wlloyalty.net' is not allowed: ask for one of wlloyalty.net, staging.wlloyalty.net",
  );
});
