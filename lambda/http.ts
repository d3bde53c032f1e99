import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { MethodNotAllowedError, NotFoundError, RateLimitedError, type VendorError } from './errors';
import { parseQuery, type TokenRequest } from './requests';

/** The routes of the REST API (CONTRACT section 5) and what each asks for. */
const ROUTES: Record<string, { method: string; forceRefresh: boolean }> = {
  '/token': { method: 'GET', forceRefresh: false },
  '/token/refresh': { method: 'POST', forceRefresh: true },
};

/** True for an API Gateway REST (proxy integration) event. */
export function isApiGatewayEvent(event: unknown): event is APIGatewayProxyEvent {
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof (event as { httpMethod?: unknown }).httpMethod === 'string' &&
    typeof (event as { requestContext?: unknown }).requestContext === 'object'
  );
}

/** Routes an API event to a token request; other paths and methods are errors. */
export function parseApiEvent(event: APIGatewayProxyEvent): TokenRequest {
  const path = routePath(event);
  const route = ROUTES[path];
  if (!route) throw new NotFoundError(`Nothing is served at ${path.slice(0, 64).replace(/[^\x20-\x7e]/g, '?')}: use GET /token or POST /token/refresh.`);
  if (event.httpMethod.toUpperCase() !== route.method) {
    throw new MethodNotAllowedError(route.method, `${path} accepts ${route.method} only.`);
  }
  const query = parseQuery(event.queryStringParameters, event.multiValueQueryStringParameters, { refresh: route.forceRefresh });
  return { ...query, forceRefresh: route.forceRefresh };
}

/**
 * The API resource when it is one of ours (it is what the API matched, whatever
 * the stage or base path), else the request path without a trailing slash.
 */
function routePath(event: APIGatewayProxyEvent): string {
  if (typeof event.resource === 'string' && event.resource in ROUTES) return event.resource;
  const path = typeof event.path === 'string' ? event.path : '';
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

const COMMON_HEADERS = {
  'Content-Type': 'application/json',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
} as const;

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { ...COMMON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** The error's status and code, with the headers RFC 9110 asks for on 405 and 503. */
export function errorResponse(error: VendorError): APIGatewayProxyResult {
  const headers: Record<string, string> = {};
  if (error instanceof RateLimitedError) headers['Retry-After'] = String(error.retryAfterSeconds);
  if (error instanceof MethodNotAllowedError) headers.Allow = error.allowedMethod;
  return jsonResponse(error.status, { error: error.code, message: error.message }, headers);
}
