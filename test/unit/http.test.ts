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
} from '../../lambda/errors';
import { errorResponse, isApiGatewayEvent, parseApiEvent } from '../../lambda/http';
import { apiEvent } from '../support/lambda-runtime';

test('recognises API Gateway REST events only', () => {
  expect(isApiGatewayEvent(apiEvent())).toBe(true);
  expect(isApiGatewayEvent({})).toBe(false);
  expect(isApiGatewayEvent({ httpMethod: 'GET' })).toBe(false);
  expect(isApiGatewayEvent(null)).toBe(false);
});

test('routes GET /token and POST /token/refresh', () => {
  expect(parseApiEvent(apiEvent({ path: '/token' }))).toEqual({ audience: undefined, forceRefresh: false });
  expect(parseApiEvent(apiEvent({ method: 'POST', path: '/token/refresh', query: { audience: 'a' } }))).toEqual({
    audience: 'a',
    forceRefresh: true,
  });
  expect(parseApiEvent(apiEvent({ path: '/token/', resource: '/{proxy+}' }))).toEqual({ audience: undefined, forceRefresh: false });
});

test('other paths are 404 and other methods 405', () => {
  expect(() => parseApiEvent(apiEvent({ path: '/admin', resource: '/{proxy+}' }))).toThrow(NotFoundError);
  expect(() => parseApiEvent(apiEvent({ method: 'DELETE', path: '/token' }))).toThrow(MethodNotAllowedError);
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
