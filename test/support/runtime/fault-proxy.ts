import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { crc32 } from 'node:zlib';

/**
 * A loopback HTTP proxy in front of an AWS JSON service (DynamoDB Local, the Secrets
 * Manager stand-in) that injects the faults a real endpoint shows, per operation (the
 * `X-Amz-Target` header: `GetItem`, `PutItem`, `UpdateItem`, `GetSecretValue`, ...)
 * and per call: pass, hang after accepting (never answer), reset the connection, delay,
 * or answer an AWS JSON error such as DynamoDB's ProvisionedThroughputExceededException.
 * It can also close its port (nothing listening) and open it again.
 *
 * Point the function at it with AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SECRETS_MANAGER.
 */
export type Fault =
  | { readonly kind: 'pass' }
  /** Accept the request and never answer. */
  | { readonly kind: 'hang' }
  /** Reset the connection (TCP RST) instead of answering. */
  | { readonly kind: 'reset' }
  /** Wait, then pass the request on. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Answer an AWS JSON error without asking the service. */
  | { readonly kind: 'error'; readonly status: number; readonly errorType: string; readonly message: string };

/** Which calls a rule applies to, counted from when the rule was added, 1-based. */
export type CallSelector = 'next' | 'every' | readonly number[] | { readonly first: number };

export interface FaultRule {
  /** The operation (`PutItem`), or every operation when absent. */
  readonly operation?: string;
  readonly calls: CallSelector;
  readonly fault: Fault;
}

/** One call the proxy saw and what it did with it. */
export interface ProxiedCall {
  readonly operation: string;
  readonly at: number;
  readonly fault: Fault['kind'];
  /** The access key id the call was signed with (SigV4 `Credential=`), if it was signed. */
  readonly accessKeyId?: string;
}

/** DynamoDB's own errors, as it sends them (AWS JSON 1.0, `__type` with the service prefix). */
export const DynamoDbErrors = {
  throughputExceeded: dynamoDbError(
    400,
    'ProvisionedThroughputExceededException',
    'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  ),
  throttling: dynamoDbError(400, 'ThrottlingException', 'Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly.'),
  internal: dynamoDbError(500, 'InternalServerError', 'Internal server error'),
  accessDenied: dynamoDbError(400, 'AccessDeniedException', 'User is not authorized to perform this action'),
} as const;

/** Secrets Manager's errors (AWS JSON 1.1). */
export const SecretsManagerErrors = {
  internal: { kind: 'error', status: 500, errorType: 'InternalServiceError', message: 'An error occurred on the server side.' },
  throttling: { kind: 'error', status: 400, errorType: 'ThrottlingException', message: 'Rate exceeded' },
} as const satisfies Record<string, Fault>;

function dynamoDbError(status: number, type: string, message: string): Fault {
  return { kind: 'error', status, errorType: `com.amazonaws.dynamodb.v20120810#${type}`, message };
}

interface ActiveRule extends FaultRule {
  seen: number;
}

export class FaultProxy {
  /** Every call, in order. */
  readonly calls: ProxiedCall[] = [];
  private readonly rules: ActiveRule[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly held = new Set<ServerResponse>();
  private server: Server;
  private listening = false;

  private constructor(
    private readonly upstream: URL,
    private port: number,
  ) {
    this.server = this.newServer();
  }

  /** Starts a proxy to `upstream` (e.g. `http://127.0.0.1:8000`) on a free loopback port. */
  static async start(upstream: string): Promise<FaultProxy> {
    const proxy = new FaultProxy(new URL(upstream), 0);
    await proxy.listen();
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Adds a rule; rules are tried in the order added, and the first that applies decides. */
  add(rule: FaultRule): { remove(): void } {
    const active: ActiveRule = { ...rule, seen: 0 };
    this.rules.push(active);
    return {
      remove: () => {
        const index = this.rules.indexOf(active);
        if (index >= 0) this.rules.splice(index, 1);
      },
    };
  }

  /** `fault` for the next call of `operation` (or of any operation). */
  next(operation: string | undefined, fault: Fault): void {
    this.add({ operation, calls: 'next', fault });
  }

  /** `fault` for every call of `operation` (or of any operation) from now on. */
  every(operation: string | undefined, fault: Fault): void {
    this.add({ operation, calls: 'every', fault });
  }

  /** Back to passing everything on; the record of calls is kept. */
  clear(): void {
    this.rules.splice(0);
    for (const res of this.held) res.destroy();
    this.held.clear();
  }

  /** Calls seen for `operation` (or all), optionally only those that met `fault`. */
  count(operation?: string, fault?: Fault['kind']): number {
    return this.calls.filter((call) => (operation === undefined || call.operation === operation) && (fault === undefined || call.fault === fault)).length;
  }

  /** Closes the port: connections are refused, open ones are reset, until `openPort`. */
  async closePort(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.resetAndDestroy();
    await closed;
  }

  /** Listens again on the same port. */
  async openPort(): Promise<void> {
    if (this.listening) return;
    this.server = this.newServer();
    await this.listen();
  }

  async close(): Promise<void> {
    this.clear();
    await this.closePort();
  }

  private newServer(): Server {
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 5_000;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    return server;
  }

  private async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as { port: number }).port;
    this.listening = true;
  }

  private choose(operation: string): Fault {
    let chosen: Fault | undefined;
    for (const rule of this.rules) {
      if (rule.operation !== undefined && rule.operation !== operation) continue;
      rule.seen += 1;
      if (chosen === undefined && applies(rule.calls, rule.seen)) chosen = rule.fault;
    }
    return chosen ?? { kind: 'pass' };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readRaw(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.includes('.') ? target.slice(target.lastIndexOf('.') + 1) : target || `${req.method} ${req.url}`;
    const fault = this.choose(operation);
    const accessKeyId = /Credential=([^/,\s]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
    this.calls.push({ operation, at: Date.now(), fault: fault.kind, accessKeyId });
    switch (fault.kind) {
      case 'hang':
        this.held.add(res);
        res.once('close', () => this.held.delete(res));
        return;
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'error':
        return answerError(res, fault, target.startsWith('DynamoDB') ? '1.0' : '1.1');
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        return this.forward(req, res, body);
      case 'pass':
        return this.forward(req, res, body);
    }
  }

  private forward(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const upstream = httpRequest(
      { host: this.upstream.hostname, port: this.upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => req.socket.resetAndDestroy());
    upstream.end(body);
  }
}

function applies(calls: CallSelector, index: number): boolean {
  if (calls === 'every') return true;
  if (calls === 'next') return index === 1;
  if ('first' in calls) return index <= calls.first;
  return calls.includes(index);
}

function answerError(res: ServerResponse, fault: Extract<Fault, { kind: 'error' }>, jsonVersion: '1.0' | '1.1'): void {
  const body = JSON.stringify({ __type: fault.errorType, message: fault.message });
  res.writeHead(fault.status, {
    'Content-Type': `application/x-amz-json-${jsonVersion}`,
    'x-amzn-RequestId': randomUUID(),
    'x-amzn-ErrorType': fault.errorType.slice(fault.errorType.indexOf('#') + 1),
    'x-amz-crc32': String(crc32(body)),
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

function readRaw(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
