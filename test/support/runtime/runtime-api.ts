import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../read-body';

/**
 * The Lambda Runtime API (version 2018-06-01) as a runtime sees it, on loopback: the
 * runtime asks for the next event, then posts a response or an error for it, or an
 * init error. This class only speaks the protocol; `LambdaContainer` decides when an
 * event is handed over, and freezes and thaws the process around it.
 */
export interface RuntimeApiEvents {
  /** The runtime asked for the next event (the answer is held until `deliver`). */
  onNextRequested(): void;
  /** The runtime answered an invocation. */
  onAnswer(requestId: string, answer: RuntimeAnswer): boolean;
  /** The runtime failed to initialise. */
  onInitError(error: { errorType: string; errorMessage: string }): void;
}

export type RuntimeAnswer =
  | { readonly ok: true; readonly body: string }
  | { readonly ok: false; readonly errorType: string; readonly errorMessage: string };

/** What the runtime receives with an event (the Lambda-Runtime-* headers). */
export interface EventDelivery {
  readonly requestId: string;
  readonly deadlineMs: number;
  readonly functionArn: string;
  readonly event: unknown;
}

const BASE = '/2018-06-01/runtime';
/** Lambda refuses synchronous responses larger than 6 MB. */
const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;
const MAX_HEADER_BYTES = 4 * 1024 * 1024;

export class RuntimeApiServer {
  private readonly waiting: ServerResponse[] = [];

  private constructor(
    private readonly server: Server,
    private readonly events: RuntimeApiEvents,
  ) {}

  static async start(events: RuntimeApiEvents): Promise<RuntimeApiServer> {
    // The runtime sends an error's X-Ray cause (message and stack) as a header: Lambda
    // takes large ones, Node's 16 KB default would refuse them.
    const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES });
    const api = new RuntimeApiServer(server, events);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void api.handle(req, res));
    // A frozen runtime keeps its connection open for as long as it is frozen.
    server.keepAliveTimeout = 0;
    server.requestTimeout = 0;
    server.headersTimeout = 0;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  /** `host:port`, the value of AWS_LAMBDA_RUNTIME_API. */
  get address(): string {
    const { port } = this.server.address() as AddressInfo;
    return `127.0.0.1:${port}`;
  }

  /** Runtime requests for the next event not answered yet. */
  get pollers(): number {
    return this.waiting.length;
  }

  /** Hands an event to a waiting runtime; false when none is waiting. */
  deliver(delivery: EventDelivery): boolean {
    const res = this.waiting.shift();
    if (!res) return false;
    const body = JSON.stringify(delivery.event ?? null);
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Lambda-Runtime-Aws-Request-Id': delivery.requestId,
      'Lambda-Runtime-Deadline-Ms': String(delivery.deadlineMs),
      'Lambda-Runtime-Invoked-Function-Arn': delivery.functionArn,
      'Lambda-Runtime-Trace-Id': traceId(),
    });
    res.end(body);
    return true;
  }

  /** Drops the requests of a runtime that is gone (killed at a timeout, or exited). */
  forgetPollers(): void {
    for (const res of this.waiting.splice(0)) res.destroy();
  }

  async close(): Promise<void> {
    this.forgetPollers();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === `${BASE}/invocation/next`) {
      this.waiting.push(res);
      res.once('close', () => {
        const index = this.waiting.indexOf(res);
        if (index >= 0) this.waiting.splice(index, 1);
      });
      this.events.onNextRequested();
      return;
    }
    const body = await readBody(req);
    const answer = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (req.method === 'POST' && answer) {
      const requestId = decodeURIComponent(answer[1] as string);
      const parsed: RuntimeAnswer =
        answer[2] === 'response'
          ? Buffer.byteLength(body) > MAX_RESPONSE_BYTES
            ? { ok: false, errorType: 'Function.ResponseSizeTooLarge', errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).' }
            : { ok: true, body }
          : { ok: false, ...errorFields(body, req.headers['lambda-runtime-function-error-type']) };
      const known = this.events.onAnswer(requestId, parsed);
      if (!known) return reply(res, 400, { errorType: 'InvalidRequestID', errorMessage: `Invalid request ID: ${requestId}` });
      return reply(res, 202, { status: 'OK' });
    }
    if (req.method === 'POST' && url === `${BASE}/init/error`) {
      this.events.onInitError(errorFields(body, req.headers['lambda-runtime-function-error-type']));
      return reply(res, 202, { status: 'OK' });
    }
    reply(res, 404, { errorType: 'InvalidRequest', errorMessage: `${req.method} ${url} is not part of the Runtime API` });
  }
}

/** The runtime's error payload keeps errorType, errorMessage and trace; callers see the first two. */
function errorFields(body: string, headerType: string | string[] | undefined): { errorType: string; errorMessage: string } {
  try {
    const parsed = JSON.parse(body) as { errorType?: unknown; errorMessage?: unknown };
    return {
      errorType: typeof parsed.errorType === 'string' ? parsed.errorType : String(headerType ?? 'Unhandled'),
      errorMessage: typeof parsed.errorMessage === 'string' ? parsed.errorMessage : '',
    };
  } catch {
    return { errorType: String(headerType ?? 'Unhandled'), errorMessage: body };
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** An X-Ray trace header, as Lambda passes one with each event. */
function traceId(): string {
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
}

/** A request id as Lambda makes them. */
export function newRequestId(): string {
  return randomUUID();
}
