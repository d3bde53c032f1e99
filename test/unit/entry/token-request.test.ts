import { BadRequestError } from '../../../lambda/core/errors';
import { parseInvocation, parseInvokeEvent, parseQuery, resolveAudience } from '../../../lambda/entry/token-request';

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
  ['an unknown field', { audience: 'a', refresh: true }, /Unknown field 'refresh'.*audience, forceRefresh and replacesTokenSha256/],
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

const GET = { refresh: false };
const REFRESH = { refresh: true };
const SHA = 'ab'.repeat(32);

test('the query of GET /token accepts audience only, once, not empty', () => {
  expect(parseQuery(null, null, GET)).toEqual({});
  expect(parseQuery({ audience: 'a' }, { audience: ['a'] }, GET)).toEqual({ audience: 'a' });
  expect(() => parseQuery({ aud: 'a' }, { aud: ['a'] }, GET)).toThrow("Unknown query parameter 'aud': the only parameter is audience.");
  expect(() => parseQuery({ replacesTokenSha256: SHA }, null, GET)).toThrow(/Unknown query parameter 'replacesTokenSha256'/);
  expect(() => parseQuery({ audience: 'b' }, { audience: ['a', 'b'] }, GET)).toThrow(/more than once/);
  expect(() => parseQuery({ audience: '' }, { audience: [''] }, GET)).toThrow(/empty/);
});

test('the query of POST /token/refresh also accepts a refused token fingerprint, in hex of any case', () => {
  expect(parseQuery({ replacesTokenSha256: SHA.toUpperCase(), audience: 'a' }, null, REFRESH)).toEqual({ audience: 'a', replacesTokenSha256: SHA });
  expect(() => parseQuery({ replacesTokenSha256: 'abc' }, null, REFRESH)).toThrow(/SHA-256 of the refused token in hex \(64 characters/);
  expect(() => parseQuery({ replacesTokenSha256: 'zz'.repeat(32) }, null, REFRESH)).toThrow(BadRequestError);
  expect(() => parseQuery({ x: '1' }, null, REFRESH)).toThrow('the parameters are audience and replacesTokenSha256');
});

test('an event names the refused token only with forceRefresh', () => {
  expect(parseInvokeEvent({ forceRefresh: true, replacesTokenSha256: SHA })).toEqual({ forceRefresh: true, replacesTokenSha256: SHA, audience: undefined });
  expect(() => parseInvokeEvent({ replacesTokenSha256: SHA })).toThrow(/goes with "forceRefresh": true/);
  expect(() => parseInvokeEvent({ forceRefresh: true, replacesTokenSha256: 42 })).toThrow(/must be the SHA-256/);
});

test('thousands of unknown fields or parameters make a short message naming a few', () => {
  const fields = Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [`field-${i}-${'x'.repeat(100)}`, i]));

  const eventError = (() => {
    try {
      parseInvokeEvent(fields);
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected a BadRequestError');
  })();
  const queryError = (() => {
    try {
      parseQuery(fields as unknown as Record<string, string>, null, GET);
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected a BadRequestError');
  })();

  for (const error of [eventError, queryError]) {
    expect(error.message.length).toBeLessThanOrEqual(1_000);
    expect(error.message).toMatch(/and 2995 more/);
  }
});

test('the audience defaults to the configured one and must be allowed', () => {
  expect(resolveAudience(undefined, CONFIG)).toBe('wlloyalty.net');
  expect(resolveAudience('staging.wlloyalty.net', CONFIG)).toBe('staging.wlloyalty.net');
  expect(() => resolveAudience('production.wlloyalty.net', CONFIG)).toThrow(
    "Audience 'production.wlloyalty.net' is not allowed: ask for one of wlloyalty.net, staging.wlloyalty.net",
  );
});

const SET = { credentialsSecretId: 'wll/x', wllRegion: 'eu' as const, tokenUrl: 'https://a/t', defaultAudience: 'wlloyalty.net', allowedAudiences: ['wlloyalty.net'] };
const DEFAULT_SET = { ...SET, name: 'default' };
const EU_PROD = { ...SET, name: 'eu-prod', allowedAudiences: ['wlloyalty.net', 'staging.wlloyalty.net'] };
const FN = 'arn:aws:lambda:eu-west-1:123456789012:function:wll-token-vendor';

test.each([
  [`${FN}:eu-prod`, 'eu-prod'],
  [FN, 'default'],
  [`${FN}:$LATEST`, 'default'],
  [`${FN}:12`, 'default'],
  [`${FN}:other-alias`, 'default'],
  [`${FN}:default`, 'default'],
  [undefined, 'default'],
])('a direct invocation of %s serves set %s', (arn, name) => {
  expect(parseInvocation({}, [DEFAULT_SET, EU_PROD], arn).set.name).toBe(name);
});

test('without a default set, an invocation through no set alias names the aliases to invoke, briefly', () => {
  const many = Array.from({ length: 50 }, (_, i) => ({ ...SET, name: `set-${i}-${'x'.repeat(30)}` }));

  expect(() => parseInvocation({}, [EU_PROD], FN)).toThrow(
    new BadRequestError('This function has no default credential set: invoke the alias of a set (Qualifier, or FunctionName <function>:<set>), one of eu-prod.'),
  );
  expect(() => parseInvocation({}, many, FN)).toThrow(/and 40 more\.$/);
  expect(() => parseInvocation({}, many, FN)).toThrow(expect.objectContaining({ message: expect.stringMatching(/^.{0,1000}$/s) }) as Error);
});

test.each([{ credentialSet: 'eu-prod' }, { set: 'eu-prod' }, { audience: 'wlloyalty.net', credentialSet: 'eu-prod' }])(
  'the event cannot pick a set: %p is an unknown field',
  (event) => {
    expect(() => parseInvocation(event, [DEFAULT_SET, EU_PROD], FN)).toThrow(/Unknown field '(credentialSet|set)'/);
  },
);

test("a named set's audiences are its own, and its refusal says where to extend them", () => {
  expect(resolveAudience('staging.wlloyalty.net', EU_PROD)).toBe('staging.wlloyalty.net');
  expect(() => resolveAudience('staging.wlloyalty.net', DEFAULT_SET)).toThrow(/\(an operator can extend WLL_ALLOWED_AUDIENCES\)/);
  expect(() => resolveAudience('evil.example.com', EU_PROD)).toThrow(
    "Audience 'evil.example.com' is not allowed for credential set 'eu-prod': ask for one of wlloyalty.net, staging.wlloyalty.net (an operator can extend the set's allowedAudiences in CREDENTIAL_SETS).",
  );
});
