import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './read-body';

/** One request the stand-in received, as WLL would see it. */
export interface AdminApiRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization?: string;
  readonly apiKey?: string;
  readonly body: string;
  /** The answer's status. */
  readonly status: number;
}

/**
 * The WLL admin API on loopback, for the callers of `createWllFetch`: it accepts a request
 * whose bearer token is the current one (`isCurrent`) and the right API key, refuses any
 * other token with 401 and WLL-like error bodies, answers 403 on paths marked forbidden, redirects
 * the paths it is told to, and echoes the body it got.
 */
export class WllAdminApiStandIn {
  readonly requests: AdminApiRequest[] = [];
  /** Paths answered 403 (a valid token without the permission). */
  readonly forbidden = new Set<string>();
  /** Paths answered with a redirect (status and Location), whatever the token: as a proxy in front of the API would. */
  readonly redirects = new Map<string, { readonly status: number; readonly location: string }>();

  private constructor(
    private readonly server: Server,
    private readonly options: { readonly isCurrent: (token: string) => boolean; readonly apiKey?: string; readonly delayMs?: number },
  ) {}

  static async start(options: { isCurrent: (token: string) => boolean; apiKey?: string; delayMs?: number }): Promise<WllAdminApiStandIn> {
    const server = createServer();
    const standIn = new WllAdminApiStandIn(server, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void standIn.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  /** The base URL, ending in `/v1/`. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (this.options.delayMs) await new Promise((resolve) => setTimeout(resolve, this.options.delayMs));
    const authorization = req.headers.authorization;
    const apiKey = req.headers['x-api-key'] as string | undefined;
    const path = req.url ?? '/';
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    let status: number;
    let answer: unknown;
    const redirect = this.redirects.get(path);
    if (redirect) {
      this.requests.push({ method: req.method ?? 'GET', path, authorization, apiKey, body, status: redirect.status });
      res.writeHead(redirect.status, { Location: redirect.location, 'Content-Type': 'text/plain' }).end('Moved');
      return;
    }
    if (this.options.apiKey !== undefined && apiKey !== this.options.apiKey) {
      [status, answer] = [401, { error: 'invalid_api_key', message: 'Missing or invalid API key' }];
    } else if (token === undefined || !this.options.isCurrent(token)) {
      [status, answer] = [401, { error: 'invalid_token', message: 'The access token is expired or revoked' }];
    } else if (this.forbidden.has(path)) {
      [status, answer] = [403, { error: 'forbidden', message: 'Insufficient permissions for this resource' }];
    } else {
      [status, answer] = [200, { method: req.method, path, body }];
    }
    this.requests.push({ method: req.method ?? 'GET', path, authorization, apiKey, body, status });
    res.writeHead(status, { 'Content-Type': 'application/json', ...(status === 401 ? { 'WWW-Authenticate': 'Bearer error="invalid_token"' } : {}) });
    res.end(JSON.stringify(answer));
  }
}
