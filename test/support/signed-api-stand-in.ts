import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ApiHandler } from '../../scripts/local/api-server';
import { readBody } from './read-body';
import { verifySigV4, type TestCredentials, type Verdict } from './sigv4-verifier';

/**
 * The deployed REST API on loopback: a stage path (`/prod`), `AWS_IAM` authorization
 * that checks each request's SigV4 signature against known test credentials and
 * answers 403 as API Gateway does, and the real handler behind it through the same
 * event translation as `npm start`.
 */
export class SignedApiStandIn {
  /** The verdict on every request received. */
  readonly verdicts: Verdict[] = [];
  /** Requests that reached the handler. */
  forwarded = 0;
  /** Each request that reached the handler: method and target below the stage, as sent (still encoded). */
  readonly requests: string[] = [];

  private constructor(
    private readonly server: Server,
    private readonly stage: string,
  ) {}

  static async start(options: {
    readonly handler: ApiHandler;
    readonly region: string;
    readonly credentials: readonly TestCredentials[];
    readonly stage?: string;
  }): Promise<SignedApiStandIn> {
    const server = createServer();
    const standIn = new SignedApiStandIn(server, options.stage ?? 'prod');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void standIn.handle(req, res, options));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  /** What the stack output TokenApiUrl is: the stage URL, ending in `/`. */
  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/${this.stage}/`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(
    req: IncomingMessage,
    res: ServerResponse,
    options: { handler: ApiHandler; region: string; credentials: readonly TestCredentials[] },
  ): Promise<void> {
    const body = await readBody(req);
    const verdict = verifySigV4(
      { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body },
      { service: 'execute-api', region: options.region, credentials: options.credentials },
    );
    this.verdicts.push(verdict);
    if (!verdict.ok) return gatewayError(res, 403, verdict.errorType, verdict.message);
    const prefix = `/${this.stage}`;
    const url = req.url ?? '/';
    if (!url.startsWith(`${prefix}/`)) return gatewayError(res, 403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    // The handler sees the resource path, as behind a real stage.
    req.url = url.slice(prefix.length);
    this.forwarded += 1;
    this.requests.push(`${req.method ?? 'GET'} ${req.url}`);
    await serve(options.handler, req, res, body === '' ? null : body);
  }
}

function gatewayError(res: ServerResponse, status: number, errorType: string, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': errorType, 'x-amzn-RequestId': randomUUID() });
  res.end(JSON.stringify({ message }));
}
