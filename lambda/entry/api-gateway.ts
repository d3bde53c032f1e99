/**
 * The REST API entry point (CONTRACT sections 5 and 8): an API Gateway proxy event turned into a
 * token request for a credential set, and results and errors turned into JSON answers.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { BadRequestError, MethodNotAllowedError, NotFoundError, RateLimitedError, type VendorError } from '../core/errors';
import { DEFAULT_SET_NAME, type CredentialSet } from '../config/credential-sets';
import { parseQuery, type TokenRequest } from './token-request';
import type { TokenResult } from './token-result';
import { setForApiPath } from './set-selection';

/** The routes of the REST API (CONTRACT sections 5 and 8) and what each asks for. */
const ROUTES: Record<string, { method: string; forceRefresh: boolean }> = {
  '/token': { method: 'GET', forceRefresh: false },
  '/token/refresh': { method: 'POST', forceRefresh: true },
};
/** The API resources of a named set, and the same paths as a request path. */
const SET_RESOURCE = /^\/sets\/\{name\}(\/token(?:\/refresh)?)$/;
const SET_PATH = /^\/sets\/([^/]+)(\/token(?:\/refresh)?)$/;

/** True for an API Gateway REST (proxy integration) event. */
export function isApiGatewayEvent(event: unknown): event is APIGatewayProxyEvent {
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof (event as { httpMethod?: unknown }).httpMethod === 'string' &&
    typeof (event as { requestContext?: unknown }).requestContext === 'object'
  );
}

/** An API request, with the credential set it is for. */
export interface ApiRequest {
  readonly set: CredentialSet;
  readonly request: TokenRequest;
}

/**
 * Routes an API event to a credential set and a token request; other paths and methods
 * are errors. The set is decided first (see setForApiPath), before the query is read.
 */
export function parseApiEvent(event: APIGatewayProxyEvent, sets: readonly CredentialSet[], invokedFunctionArn: unknown): ApiRequest {
  const { route: path, setName } = routeOf(event);
  const route = ROUTES[path];
  if (!route) throw new NotFoundError(`Nothing is served at ${path.slice(0, 64).replace(/[^\x20-\x7e]/g, '?')}: use GET /token or POST /token/refresh.`);
  const set = setForApiPath(sets, setName, invokedFunctionArn);
  if (event.httpMethod.toUpperCase() !== route.method) {
    throw new MethodNotAllowedError(route.method, `${path} accepts ${route.method} only.`);
  }
  if (hasBody(event)) throw bodyRefused(route, set.name === DEFAULT_SET_NAME ? path : `/sets/${set.name}${path}`);
  const query = parseQuery(event.queryStringParameters, event.multiValueQueryStringParameters, { refresh: route.forceRefresh });
  return { set, request: { ...query, forceRefresh: route.forceRefresh } };
}

/** Any body at all, JSON or not: a caller who sends one expects it to be read (CONTRACT section 5). */
function hasBody(event: APIGatewayProxyEvent): boolean {
  return typeof event.body === 'string' ? event.body !== '' : event.body !== null && event.body !== undefined;
}

/** Never silently ignored: a body naming another audience would otherwise get the default audience's token. */
function bodyRefused(route: { method: string; forceRefresh: boolean }, path: string): BadRequestError {
  const example = `?audience=staging.wlloyalty.net${route.forceRefresh ? '&replacesTokenSha256=<hex SHA-256 of the refused token>' : ''}`;
  return new BadRequestError(`${route.method} ${path} takes no request body: its parameters go in the query string, such as ${example}; send the request without a body.`);
}

/**
 * The route (`/token` or `/token/refresh`) and the set it names (`default` unless the
 * path is under /sets/{name}). The API resource when it is one of ours (it is what the
 * API matched, whatever the stage or base path), else the request path without a
 * trailing slash.
 */
function routeOf(event: APIGatewayProxyEvent): { route: string; setName: unknown } {
  const resource = typeof event.resource === 'string' ? event.resource : '';
  if (resource in ROUTES) return { route: resource, setName: DEFAULT_SET_NAME };
  const ofResource = SET_RESOURCE.exec(resource);
  if (ofResource) return { route: ofResource[1]!, setName: pathParameter(event.pathParameters, 'name') };
  const raw = typeof event.path === 'string' ? event.path : '';
  const path = raw.length > 1 ? raw.replace(/\/+$/, '') : raw;
  const ofPath = SET_PATH.exec(path);
  if (ofPath) return { route: ofPath[2]!, setName: ofPath[1] };
  return { route: path, setName: DEFAULT_SET_NAME };
}

function pathParameter(parameters: unknown, name: string): unknown {
  return typeof parameters === 'object' && parameters !== null ? (parameters as Record<string, unknown>)[name] : undefined;
}

const COMMON_HEADERS = {
  'Content-Type': 'application/json',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
} as const;

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { ...COMMON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/**
 * Says on a refresh's answer what the refresh did, since a 200 alone cannot (header
 * `X-Token-Refresh`): `minted`, a new token came from WLL for it; `already-replaced`, the token
 * named by `replacesTokenSha256` had been replaced already and the newer one is returned;
 * `skipped-recent`, no token was named and the current one is under a minute old, so it is
 * returned as it is (name the refused token to have it replaced).
 */
export const REFRESH_OUTCOME_HEADER = 'X-Token-Refresh';

/** The 200 answer with a token; a refresh's answer also says what the refresh did. */
export function tokenResponse(result: TokenResult, request: TokenRequest): APIGatewayProxyResult {
  if (!request.forceRefresh) return jsonResponse(200, result);
  const outcome = result.source === 'issuer' ? 'minted' : request.replacesTokenSha256 !== undefined ? 'already-replaced' : 'skipped-recent';
  return jsonResponse(200, result, { [REFRESH_OUTCOME_HEADER]: outcome });
}

/** The error's status and code, with the headers RFC 9110 asks for on 405 and 503. */
export function errorResponse(error: VendorError): APIGatewayProxyResult {
  const headers: Record<string, string> = {};
  if (error instanceof RateLimitedError) headers['Retry-After'] = String(error.retryAfterSeconds);
  if (error instanceof MethodNotAllowedError) headers.Allow = error.allowedMethod;
  return jsonResponse(error.status, { error: error.code, message: error.message }, headers);
}
