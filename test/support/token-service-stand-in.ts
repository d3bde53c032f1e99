import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registerSensitive } from './sensitive-values';

/**
 * The token vendor's HTTP API as CONTRACT section 5 describes it, on loopback and without
 * IAM (like `npm start`), reduced to what a client sees: `GET /token` returns the current
 * token; `POST /token/refresh?replacesTokenSha256=<hex>` mints a new one only when the hex is
 * the current token's fingerprint, else returns the current token (compare-and-refresh).
 * For client tests that must not depend on the function's implementation; the integration
 * tests run the same clients against the real handler.
 */
export class TokenServiceStandIn {
  /** Tokens minted, in order: the last one is current. */
  readonly minted: string[] = [];
  /** Every request: method, path and query. */
  readonly requests: string[] = [];

  private constructor(private readonly server: ReturnType<typeof createServer>) {}

  static async start(): Promise<TokenServiceStandIn> {
    const server = createServer();
    const standIn = new TokenServiceStandIn(server);
    standIn.mint();
    server.on('request', (req: IncomingMessage, res: ServerResponse) => standIn.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  get current(): string {
    return this.minted[this.minted.length - 1]!;
  }

  /** Mints a new current token, as another caller's refresh would. */
  mint(): string {
    const token = `wll-admin-${randomBytes(18).toString('base64url')}`;
    registerSensitive(token);
    this.minted.push(token);
    return token;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (req.method === 'POST' && url.pathname === '/token/refresh') {
      const replaces = url.searchParams.get('replacesTokenSha256');
      if (replaces === createHash('sha256').update(this.current, 'utf8').digest('hex')) this.mint();
    } else if (!(req.method === 'GET' && url.pathname === '/token')) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'not_found', message: 'No such route.' }));
      return;
    }
    const expiresAt = new Date(Date.now() + 86_000_000).toISOString();
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify({ accessToken: this.current, tokenType: 'Bearer', expiresAt, expiresIn: 86_000, audience: 'wlloyalty.net', source: 'memory' }));
  }
}
