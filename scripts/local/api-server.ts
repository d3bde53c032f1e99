import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { API_GATEWAY_ALIAS } from '../../lambda/entry/set-selection';
import { serveInvoke, LAMBDA_API_PREFIX, type InvokeHandler } from './invoke-api';
import { lambdaContext, restProxyEvent } from './lambda-events';

/**
 * The REST API on loopback, for `npm start` and the tests: each request becomes the
 * API Gateway proxy event the deployed API would send (without IAM), and the
 * handler's statusCode, headers and body go back as they are. Lambda's Invoke API
 * can share the port (invoke-api.ts).
 */

/** The handler's signature, as lambda/handler.ts exports it. */
export type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<unknown>;

export interface LocalApi {
  /** The base URL, ending in `/`: what the stack output TokenApiUrl is for a deployed API. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** The API's resources (CONTRACT sections 5 and 8); any other path reaches the function as `/{proxy+}`. */
const RESOURCES = new Set(['/token', '/token/refresh']);
const SET_RESOURCE = /^\/sets\/[^/]+(\/token(?:\/refresh)?)$/;
const MAX_BODY_BYTES = 64 * 1024;
/** API Gateway's integration timeout. */
const TIMEOUT_MS = 29_000;

export interface LocalApiOptions {
  /** The function for Lambda's Invoke API on the same port (the handler, which takes any event). @default none: no Invoke API */
  readonly invokeHandler?: InvokeHandler;
  /** The function's aliases the Invoke API serves besides `$LATEST`: one per credential set. @default none */
  readonly aliases?: readonly string[];
}

/** The deployed function's timeout (infra/token-function.ts): an invocation through the Invoke API ends there. */
const FUNCTION_TIMEOUT_MS = 20_000;

/**
 * Listens on 127.0.0.1 only: there is no authorization in front of the handler. Serves the REST
 * API's routes and, under `/2015-03-31/`, Lambda's Invoke API for the same handler.
 */
export async function startLocalApi(handler: ApiHandler, port: number, options: LocalApiOptions = {}): Promise<LocalApi> {
  const { invokeHandler } = options;
  const invoke = invokeHandler && { handler: invokeHandler, aliases: options.aliases ?? [], timeoutMs: FUNCTION_TIMEOUT_MS };
  const server = createServer((req, res) =>
    void (invoke && (req.url ?? '').startsWith(LAMBDA_API_PREFIX) ? serveInvoke(invoke, req, res) : serve(handler, req, res)),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${actual}/`, port: actual, close: () => close(server) };
}

/**
 * Answers one request through the handler, or as API Gateway would when the handler
 * fails. `body`: the body when the caller has read it already.
 */
export async function serve(handler: ApiHandler, req: IncomingMessage, res: ServerResponse, body?: string | null): Promise<void> {
  if (body === undefined) {
    try {
      body = await readBody(req);
    } catch {
      return gatewayError(res, 413, 'Request Entity Too Large');
    }
  }
  const event = toApiGatewayEvent(req, body);
  let result: unknown;
  try {
    // As the deployed API does, invoke the alias that vouches for the paths of every credential set.
    const context = lambdaContext({ requestId: event.requestContext.requestId, remainingMs: TIMEOUT_MS, functionName: 'wll-token-vendor-local', qualifier: API_GATEWAY_ALIAS });
    result = await handler(event, context);
  } catch {
    // API Gateway's answer when the integration fails; the handler has logged why.
    return gatewayError(res, 502, 'Internal server error');
  }
  if (!isProxyResult(result)) return gatewayError(res, 502, 'Internal server error');
  const headers: Record<string, string | string[]> = { ...result.multiValueHeaders, ...result.headers } as Record<string, string | string[]>;
  res.writeHead(result.statusCode, headers);
  res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}

/** The REST API proxy-integration event of a request (stage `local`). */
export function toApiGatewayEvent(req: IncomingMessage, body: string | null): APIGatewayProxyEvent {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const query: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) (query[name] ??= []).push(value);
  const headers: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) (headers[req.rawHeaders[i]!] ??= []).push(req.rawHeaders[i + 1]!);
  return restProxyEvent({
    method: (req.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    resource: resourceOf(url.pathname),
    query,
    headers,
    body,
    stage: 'local',
    identity: { sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: req.headers['user-agent'] ?? null },
  });
}

function isProxyResult(value: unknown): value is APIGatewayProxyResult {
  const result = value as Partial<APIGatewayProxyResult> | null;
  return typeof result === 'object' && result !== null && typeof result.statusCode === 'number' && typeof result.body === 'string';
}

function gatewayError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ message }));
}

/** The body as text (null when empty); a body over the limit is drained and refused. */
function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) reject(new Error('body too large'));
      else resolve(size === 0 ? null : Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The API resource a path matches, as API Gateway would pick it. */
function resourceOf(path: string): string {
  if (RESOURCES.has(path)) return path;
  const set = SET_RESOURCE.exec(path);
  return set ? `/sets/{name}${set[1]}` : '/{proxy+}';
}
