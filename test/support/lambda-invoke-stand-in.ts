import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lambdaContext, type Handler } from './lambda-runtime';
import { readBody } from './read-body';
import { verifySigV4, type TestCredentials } from './sigv4-verifier';

/**
 * A stand-in for the Lambda Invoke API on loopback (`POST
 * /2015-03-31/functions/{name}/invocations`, REST JSON), so the real LambdaClient
 * reaches it through `endpoint` or AWS_ENDPOINT_URL_LAMBDA. It checks the SigV4
 * signature, runs the registered handler as the Node.js runtime does, and answers
 * like Lambda: the result as the payload, or `X-Amz-Function-Error: Unhandled` with
 * `{errorType, errorMessage, trace}`; unknown functions, throttling and bad
 * signatures as Lambda's own errors.
 *
 * Qualifiers (the `Qualifier` query parameter, or a qualified name or ARN) are recorded and
 * resolved as Lambda does: `$LATEST` and version numbers reach the function, an alias only when
 * declared in `aliases` (else ResourceNotFoundException), and the handler's
 * `invokedFunctionArn` carries the qualifier, as for a deployed alias.
 */
export const STAND_IN_ACCOUNT = '123456789012';

export interface Invocation {
  readonly functionName: string;
  readonly event: unknown;
  /** The qualifier invoked (an alias, `$LATEST` or a version); absent for an unqualified invocation. */
  readonly qualifier?: string;
}

export class LambdaInvokeStandIn {
  readonly invocations: Invocation[] = [];
  /** Requests refused before reaching a function (signature, unknown function, throttled). */
  refused = 0;
  private throttled = 0;

  private constructor(
    private readonly server: Server,
    private readonly functions: Map<string, Handler>,
    private readonly aliases: Readonly<Record<string, readonly string[]>>,
    readonly region: string,
  ) {}

  static async start(options: {
    readonly functions: Record<string, Handler>;
    readonly credentials: readonly TestCredentials[];
    readonly region?: string;
    /** The aliases of each function, by function name: invoking one runs the function's handler. */
    readonly aliases?: Record<string, readonly string[]>;
  }): Promise<LambdaInvokeStandIn> {
    const server = createServer();
    const standIn = new LambdaInvokeStandIn(server, new Map(Object.entries(options.functions)), options.aliases ?? {}, options.region ?? 'eu-west-1');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void standIn.handle(req, res, options.credentials));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  get endpoint(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  invocationsOf(functionName: string): Invocation[] {
    return this.invocations.filter((i) => i.functionName === functionName);
  }

  /** Answers the next `count` invocations with 429 TooManyRequestsException. */
  throttleNext(count: number): void {
    this.throttled += count;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse, credentials: readonly TestCredentials[]): Promise<void> {
    const body = await readBody(req);
    const verdict = verifySigV4(
      { method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body },
      { service: 'lambda', region: this.region, credentials },
    );
    const refuse = (status: number, type: string, payload: Record<string, unknown>, headers: Record<string, string> = {}) => {
      this.refused += 1;
      res.writeHead(status, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': type, 'x-amzn-RequestId': randomUUID(), ...headers });
      res.end(JSON.stringify(payload));
    };
    if (!verdict.ok) return refuse(403, verdict.errorType, { message: verdict.message });
    const match = /^\/2015-03-31\/functions\/([^/?]+)\/invocations(?:\?(.*))?$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return refuse(404, 'UnknownOperationException', { message: 'Unknown operation' });
    const { name, qualifier: named } = functionNameOf(decodeURIComponent(match[1] as string));
    const given = new URLSearchParams(match[2] ?? '').get('Qualifier') ?? undefined;
    if (named !== undefined && given !== undefined && named !== given) {
      return refuse(400, 'InvalidParameterValueException', { Type: 'User', message: 'The derived qualifier from the function name does not match the specified qualifier.' });
    }
    const qualifier = given ?? named;
    const arn = `arn:aws:lambda:${this.region}:${STAND_IN_ACCOUNT}:function:${name}${qualifier === undefined ? '' : `:${qualifier}`}`;
    const handler = this.functions.get(name);
    const known = qualifier === undefined || qualifier === '$LATEST' || /^\d+$/.test(qualifier) || (this.aliases[name] ?? []).includes(qualifier);
    if (!handler || !known) return refuse(404, 'ResourceNotFoundException', { Type: 'User', message: `Function not found: ${arn}` });
    if (this.throttled > 0) {
      this.throttled -= 1;
      return refuse(
        429,
        'TooManyRequestsException',
        { Type: 'User', Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', message: 'Rate Exceeded.' },
        { 'Retry-After': '1' },
      );
    }
    const event: unknown = body === '' ? {} : JSON.parse(body);
    this.invocations.push({ functionName: name, event, ...(qualifier === undefined ? {} : { qualifier }) });
    const headers = { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST', 'x-amzn-RequestId': randomUUID() };
    try {
      const result = await handler(event, { ...lambdaContext(), functionName: name, invokedFunctionArn: arn });
      res.writeHead(200, headers);
      res.end(JSON.stringify(result ?? null));
    } catch (error) {
      // What the Node.js runtime reports for an error thrown by the handler.
      const { name: errorType = 'Error', message: errorMessage = '', stack = '' } = error as Error;
      res.writeHead(200, { ...headers, 'X-Amz-Function-Error': 'Unhandled' });
      res.end(JSON.stringify({ errorType, errorMessage, trace: stack.split('\n') }));
    }
  }
}

/** The function name in a name, partial ARN or ARN, and the qualifier it names, if any. */
function functionNameOf(identifier: string): { name: string; qualifier?: string } {
  const arn = /^(?:arn:aws[a-z-]*:lambda:[a-z0-9-]+:)?(?:\d{12}:)?(?:function:)?([A-Za-z0-9_-]+)(?::([A-Za-z0-9$_-]+))?$/.exec(identifier);
  if (!arn) return { name: identifier };
  return { name: arn[1] as string, ...(arn[2] === undefined ? {} : { qualifier: arn[2] }) };
}
