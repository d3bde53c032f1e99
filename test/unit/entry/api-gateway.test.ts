import {
  BadRequestError,
  ConfigurationError,
  CredentialsError,
  InternalError,
  IssuerError,
  MethodNotAllowedError,
  NotFoundError,
  RateLimitedError,
  toPublicError,
  type VendorError,
} from '../../../lambda/core/errors';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { CredentialSet } from '../../../lambda/config/credential-sets';
import { errorResponse, isApiGatewayEvent, parseApiEvent, tokenResponse } from '../../../lambda/entry/api-gateway';
import type { TokenResult } from '../../../lambda/entry/token-result';
import { API_GATEWAY_ALIAS } from '../../../lambda/entry/set-selection';
import { apiEvent } from '../../support/lambda-runtime';

test('recognises API Gateway REST events only', () => {
  expect(isApiGatewayEvent(apiEvent())).toBe(true);
  expect(isApiGatewayEvent({})).toBe(false);
  expect(isApiGatewayEvent({ httpMethod: 'GET' })).toBe(false);
  expect(isApiGatewayEvent(null)).toBe(false);
});

const DEFAULT_SET: CredentialSet = { name: 'default', credentialsSecretId: 'wll/default', wllRegion: 'eu', tokenUrl: 'https://a/t', defaultAudience: 'wlloyalty.net', allowedAudiences: ['wlloyalty.net'] };
const EU_PROD: CredentialSet = { ...DEFAULT_SET, name: 'eu-prod', credentialsSecretId: 'wll/eu-prod' };
const SETS = [DEFAULT_SET, EU_PROD];
const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:wll-token-vendor';
const API_ARN = `${ARN}:${API_GATEWAY_ALIAS}`;

const route = (request: Parameters<typeof apiEvent>[0], arn = ARN, sets = SETS) => parseApiEvent(apiEvent(request), sets, arn);
const setEvent = (name: unknown, method = 'GET', resource = '/sets/{name}/token'): APIGatewayProxyEvent => ({
  ...apiEvent({ method, path: `/sets/${String(name)}/token`, resource }),
  pathParameters: { name } as Record<string, string>,
});

test('routes GET /token and POST /token/refresh to the default set', () => {
  expect(route({ path: '/token' })).toEqual({ set: DEFAULT_SET, request: { audience: undefined, forceRefresh: false } });
  expect(route({ method: 'POST', path: '/token/refresh', query: { audience: 'a' } })).toEqual({
    set: DEFAULT_SET,
    request: { audience: 'a', forceRefresh: true },
  });
  expect(route({ path: '/token/', resource: '/{proxy+}' }).request).toEqual({ audience: undefined, forceRefresh: false });
});

test('routes /sets/{name}/token and /sets/{name}/token/refresh to set name, by resource and path parameter or by path', () => {
  expect(parseApiEvent(setEvent('eu-prod'), SETS, API_ARN)).toEqual({ set: EU_PROD, request: { forceRefresh: false } });
  expect(parseApiEvent(setEvent('eu-prod', 'POST', '/sets/{name}/token/refresh'), SETS, API_ARN).request.forceRefresh).toBe(true);
  expect(route({ path: '/sets/eu-prod/token/', resource: '/{proxy+}' }, API_ARN).set).toBe(EU_PROD);
  // The set's own alias vouches for its path too; the API's alias for every path.
  expect(parseApiEvent(setEvent('eu-prod'), SETS, `${ARN}:eu-prod`).set).toBe(EU_PROD);
  expect(route({ path: '/token' }, API_ARN).set).toBe(DEFAULT_SET);
});

test('an unknown set, or /token without a default set, is 404; a wrong method on a set is 405', () => {
  expect(() => parseApiEvent(setEvent('us-prod'), SETS, API_ARN)).toThrow(new NotFoundError("No credential set 'us-prod' is served by this API: check the set name in /sets/{name}/token."));
  expect(() => route({ path: '/token' }, API_ARN, [EU_PROD])).toThrow(/no default credential set; use GET \/sets\/\{name\}\/token/);
  expect(() => parseApiEvent(setEvent('default'), [EU_PROD], API_ARN)).toThrow(NotFoundError);
  expect(() => parseApiEvent(setEvent('eu-prod', 'POST'), SETS, API_ARN)).toThrow(MethodNotAllowedError);
});

test('an API-shaped event cannot reach a set its invocation does not vouch for (a direct invoker could forge one)', () => {
  // Invoked unqualified (the default set's grant), the event names eu-prod.
  expect(() => parseApiEvent(setEvent('eu-prod'), SETS, ARN)).toThrow(/Set 'eu-prod' is not served through the unqualified function: API Gateway must invoke the alias api_gateway/);
  // Invoked through eu-prod's alias, the event asks for the default set.
  expect(() => route({ path: '/token' }, `${ARN}:eu-prod`)).toThrow(NotFoundError);
  expect(() => parseApiEvent(setEvent('eu-prod'), SETS, `${ARN}:7`)).toThrow(/qualifier '7'/);
});

test.each<[string, unknown]>([
  ['a number', 5],
  ['an array', ['eu-prod']],
  ['an object', { name: 'eu-prod' }],
  ['null', null],
  ['a long name with control characters', `eu\n${'x'.repeat(5_000)}`],
])('a set name that is %s is 404 with a short message', (_what, name) => {
  const error = (() => {
    try {
      parseApiEvent(setEvent(name), SETS, API_ARN);
    } catch (caught) {
      return caught as Error;
    }
    throw new Error('expected a NotFoundError');
  })();
  expect(error).toBeInstanceOf(NotFoundError);
  expect(error.message.length).toBeLessThanOrEqual(200);
  expect(error.message).not.toMatch(/\n/);
});

test('other paths are 404 and other methods 405', () => {
  expect(() => route({ path: '/admin', resource: '/{proxy+}' })).toThrow(NotFoundError);
  expect(() => route({ path: '/sets/eu-prod/admin', resource: '/{proxy+}' }, API_ARN)).toThrow(NotFoundError);
  expect(() => route({ method: 'DELETE', path: '/token' })).toThrow(MethodNotAllowedError);
});

test.each<[string, string, boolean]>([
  ['JSON naming another audience on the refresh route', '{"audience": "staging.wlloyalty.net"}', false],
  ['an empty JSON object', '{}', false],
  ['a form body', 'audience=staging.wlloyalty.net', false],
  ['base64 bytes', 'e30=', true],
])('a request body (%s) is a BadRequestError that says to use the query (CONTRACT section 5)', (_what, body, isBase64Encoded) => {
  const refresh = { ...apiEvent({ method: 'POST', path: '/token/refresh', query: { audience: 'wlloyalty.net' } }), body, isBase64Encoded };
  const get = { ...apiEvent(), body, isBase64Encoded };
  const setRefresh = { ...setEvent('eu-prod', 'POST', '/sets/{name}/token/refresh'), body, isBase64Encoded };

  const cases = [
    [refresh, ARN, 'POST /token/refresh'],
    [get, ARN, 'GET /token'],
    [setRefresh, API_ARN, 'POST /sets/eu-prod/token/refresh'],
  ] as const;
  for (const [event, arn, route] of cases) {
    expect(() => parseApiEvent(event, SETS, arn)).toThrow(
      new BadRequestError(
        `${route} takes no request body: its parameters go in the query string, such as ` +
          `?audience=staging.wlloyalty.net${event.httpMethod === 'POST' ? '&replacesTokenSha256=<hex SHA-256 of the refused token>' : ''}; send the request without a body.`,
      ),
    );
  }
});

test('an empty body is no body: the request is served', () => {
  expect(parseApiEvent({ ...apiEvent({ method: 'POST', path: '/token/refresh' }), body: '' }, SETS, ARN).request.forceRefresh).toBe(true);
  expect(parseApiEvent({ ...apiEvent(), body: null }, SETS, ARN).set).toBe(DEFAULT_SET);
});

const NON_STRINGS: [string, unknown][] = [
  ['a number', 5],
  ['an array', ['x']],
  ['an object', { a: 'x' }],
  ['null in a list', [null]],
  ['a boolean', true],
];

test.each(NON_STRINGS)('a query value that is %s is a BadRequestError, in either parameter map (issue 17 defect 6)', (_what, value) => {
  const single = { ...apiEvent(), queryStringParameters: { audience: value } as never, multiValueQueryStringParameters: null };
  const multi = { ...apiEvent(), queryStringParameters: null, multiValueQueryStringParameters: { audience: [value] } as never };
  const bare = { ...apiEvent(), queryStringParameters: null, multiValueQueryStringParameters: { audience: Array.isArray(value) ? 7 : value } as never };
  const refresh = {
    ...apiEvent({ method: 'POST', path: '/token/refresh' }),
    queryStringParameters: { replacesTokenSha256: value } as never,
    multiValueQueryStringParameters: null,
  };

  for (const event of [single, multi, bare, refresh]) expect(() => parseApiEvent(event, SETS, ARN)).toThrow(BadRequestError);
});

test.each<[string, unknown]>([
  ['a string', 'audience=x'],
  ['an array', ['audience']],
  ['a number', 7],
])('a query parameter map that is %s is a BadRequestError', (_what, map) => {
  expect(() => parseApiEvent({ ...apiEvent(), queryStringParameters: map as never }, SETS, ARN)).toThrow(BadRequestError);
  expect(() => parseApiEvent({ ...apiEvent(), multiValueQueryStringParameters: map as never }, SETS, ARN)).toThrow(BadRequestError);
});

const NO_STORE = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', Pragma: 'no-cache' };

test.each<[VendorError, number, string, Record<string, string>]>([
  [new BadRequestError('bad'), 400, 'bad_request', {}],
  [new NotFoundError('none'), 404, 'not_found', {}],
  [new MethodNotAllowedError('GET', 'no'), 405, 'method_not_allowed', { Allow: 'GET' }],
  [new ConfigurationError('conf'), 500, 'configuration_error', {}],
  [new CredentialsError('unavailable', 'missing'), 500, 'credentials_unavailable', {}],
  [new CredentialsError('rejected', 'refused'), 502, 'credentials_rejected', {}],
  [new IssuerError('down'), 502, 'issuer_error', {}],
  [new RateLimitedError(17, 'slow down'), 503, 'rate_limited', { 'Retry-After': '17' }],
  [new InternalError('req-1', new Error('boom')), 500, 'internal_error', {}],
])('%s maps to %i %s', (error, status, code, headers) => {
  const response = errorResponse(error);

  expect(response.statusCode).toBe(status);
  expect(response.headers).toEqual({ ...NO_STORE, ...headers });
  expect(JSON.parse(response.body)).toEqual({ error: code, message: error.message });
});

test('anything unexpected becomes an internal error that shows the request id, not the cause', () => {
  const error = toPublicError(new TypeError('secret detail'), 'req-42');

  expect(error).toBeInstanceOf(InternalError);
  expect(error.message).toMatch(/request id req-42/);
  expect(error.message).not.toMatch(/secret detail/);
  expect(error.cause).toBeInstanceOf(TypeError);
});

const RESULT: TokenResult = {
  accessToken: 'token',
  tokenType: 'Bearer',
  expiresAt: '2026-11-30T12:00:00.000Z',
  expiresIn: 86_100,
  audience: 'wlloyalty.net',
  source: 'memory',
  credentialSet: 'default',
};
const SHA = 'a'.repeat(64);

test.each<[string, Partial<TokenResult>, { forceRefresh: boolean; replacesTokenSha256?: string }, string | undefined]>([
  ['a plain GET', {}, { forceRefresh: false }, undefined],
  ['a refresh that minted', { source: 'issuer' }, { forceRefresh: true, replacesTokenSha256: SHA }, 'minted'],
  ['a refresh without a fingerprint that minted', { source: 'issuer' }, { forceRefresh: true }, 'minted'],
  ['a refresh whose refused token was replaced already', { source: 'cache' }, { forceRefresh: true, replacesTokenSha256: SHA }, 'already-replaced'],
  ['a refresh without a fingerprint of a token under a minute old', { source: 'memory' }, { forceRefresh: true }, 'skipped-recent'],
])('%s: the answer says what the refresh did (X-Token-Refresh: %s)', (_what, result, request, outcome) => {
  const response = tokenResponse({ ...RESULT, ...result }, request);

  expect(response.statusCode).toBe(200);
  expect(response.headers).toEqual({ ...NO_STORE, ...(outcome === undefined ? {} : { 'X-Token-Refresh': outcome }) });
  expect(JSON.parse(response.body)).toEqual({ ...RESULT, ...result });
});
