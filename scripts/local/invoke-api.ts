/**
 * Lambda's Invoke API (`POST /2015-03-31/functions/{name}/invocations`) on `npm start`'s port, so the
 * AWS CLI, boto3 or any AWS SDK reach the local function with an endpoint override. It answers as
 * Lambda does: the handler's result as the payload, a thrown error as `X-Amz-Function-Error: Unhandled`
 * with the Node.js runtime's `{errorType, errorMessage, trace}`, and Lambda's own errors (bad JSON,
 * payload too large, unknown alias, qualifier mismatch) with `x-amzn-ErrorType`. There is no IAM:
 * signatures are accepted unchecked.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'aws-lambda';
import { API_GATEWAY_ALIAS } from '../../lambda/entry/set-selection';
import { lambdaContext } from './lambda-events';

/** The function as the Lambda runtime calls it. */
export type InvokeHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface InvokeApiOptions {
  readonly handler: InvokeHandler;
  /** The function's aliases besides `$LATEST`: one per credential set, named after it (CONTRACT section 8). */
  readonly aliases: readonly string[];
  /** The deployed function's timeout: a longer invocation ends as Lambda's `Sandbox.Timedout`. */
  readonly timeoutMs: number;
}

/** The Invoke API's path prefix: every request under it is the Lambda API's, never the REST API's. */
export const LAMBDA_API_PREFIX = '/2015-03-31/';
/** Lambda's limit on a synchronous invocation's request body (6 MB). */
export const MAX_PAYLOAD_BYTES = 6_291_456;
/** The function name as the Invoke API's model accepts it: a name, a partial ARN or an ARN, with an optional qualifier. */
const FUNCTION_NAME =
  /^(?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?(?:([a-z]{2}(?:-gov)?-[a-z]+-\d):)?(?:(\d{12}):)?(?:function:)?([a-zA-Z0-9_.-]+)(?::(\$LATEST|[a-zA-Z0-9_-]+))?$/;
const QUALIFIER = /^[a-zA-Z0-9$_-]{1,128}$/;
const INVOCATION_TYPES = ['RequestResponse', 'Event', 'DryRun'];

/** Answers one request under `/2015-03-31/`. */
export async function serveInvoke(options: InvokeApiOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomUUID();
  const refuse = (status: number, type: string, message: string) => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': type, 'x-amzn-RequestId': requestId });
    res.end(JSON.stringify({ Type: 'User', message }));
  };
  const body = await readPayload(req);
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const path = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
  if (req.method !== 'POST' || !path) {
    return refuse(404, 'UnknownOperationException', `npm start serves Lambda's Invoke operation only (POST /2015-03-31/functions/{FunctionName}/invocations).`);
  }
  const identifier = decodeURIComponent(path[1]!);
  const name = FUNCTION_NAME.exec(identifier);
  if (identifier.length > 170 || !name) {
    return refuse(400, 'ValidationException', `1 validation error detected: Value '${clip(identifier)}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${FUNCTION_NAME.source}`);
  }
  const [, region = 'eu-west-1', account = '123456789012', functionName = '', named] = name;
  const given = url.searchParams.get('Qualifier') ?? undefined;
  if (given !== undefined && !QUALIFIER.test(given)) {
    return refuse(400, 'ValidationException', `1 validation error detected: Value '${clip(given)}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)`);
  }
  if (named !== undefined && given !== undefined && named !== given) {
    return refuse(400, 'InvalidParameterValueException', 'The derived qualifier from the function name does not match the specified qualifier.');
  }
  const qualifier = given ?? named;
  const arn = `arn:aws:lambda:${region}:${account}:function:${functionName}${qualifier === undefined ? '' : `:${qualifier}`}`;
  const invocationType = headerOf(req, 'x-amz-invocation-type') ?? 'RequestResponse';
  if (!INVOCATION_TYPES.includes(invocationType)) {
    return refuse(400, 'ValidationException', `1 validation error detected: Value '${clip(invocationType)}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`);
  }
  if (qualifier === API_GATEWAY_ALIAS && options.aliases.length > 0) {
    // Deployed, no grant names this alias: only API Gateway invokes it (CONTRACT section 8).
    return refuse(403, 'AccessDeniedException', `Only API Gateway may invoke ${arn} (no grant names the alias ${API_GATEWAY_ALIAS}): call the REST routes (GET /sets/<name>/token) instead.`);
  }
  if (qualifier !== undefined && qualifier !== '$LATEST' && !options.aliases.includes(qualifier)) {
    const served = ['$LATEST', ...options.aliases].join(', ');
    return refuse(404, 'ResourceNotFoundException', `Function not found: ${arn} (npm start serves the qualifiers ${served}; start it with --sets <names> for more aliases)`);
  }
  if (body === undefined) {
    return refuse(413, 'RequestEntityTooLargeException', `Request must be smaller than ${MAX_PAYLOAD_BYTES} bytes for the InvokeFunction operation`);
  }
  let event: unknown;
  try {
    // Lambda hands an empty payload to the function as {}.
    event = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    return refuse(400, 'InvalidRequestContentException', 'Could not parse request body into json: Could not parse payload into json: the payload is not valid JSON (send a JSON value, such as {}).');
  }
  if (invocationType === 'DryRun') {
    res.writeHead(204, { 'x-amzn-RequestId': requestId });
    return void res.end();
  }
  const context = lambdaContext({ requestId, remainingMs: options.timeoutMs, functionName, qualifier });
  const run = runWithTimeout(options, event, { ...context, invokedFunctionArn: arn });
  if (invocationType === 'Event') {
    // Queued as Lambda would: the caller gets 202 at once; the function's own logs say how it went.
    void run;
    res.writeHead(202, { 'x-amzn-RequestId': requestId });
    return void res.end();
  }
  const outcome = await run;
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST', 'x-amzn-RequestId': requestId };
  if ('error' in outcome) headers['X-Amz-Function-Error'] = 'Unhandled';
  res.writeHead(200, headers);
  res.end(JSON.stringify('error' in outcome ? outcome.error : (outcome.result ?? null)));
}

/** What the Node.js runtime reports for an error the handler threw. */
interface FunctionError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];
}

/** The handler's result or error, or Lambda's timeout error once the function's timeout has passed. */
async function runWithTimeout(options: InvokeApiOptions, event: unknown, context: Context): Promise<{ result: unknown } | { error: FunctionError }> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<{ error: FunctionError }>((resolve) => {
    timer = setTimeout(() => {
      const seconds = (options.timeoutMs / 1000).toFixed(2);
      resolve({ error: { errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${context.awsRequestId} Error: Task timed out after ${seconds} seconds`, trace: [] } });
    }, options.timeoutMs);
  });
  const ran = options.handler(event, context).then(
    (result) => ({ result }),
    (error: unknown) => ({ error: asFunctionError(error) }),
  );
  try {
    return await Promise.race([ran, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function asFunctionError(error: unknown): FunctionError {
  if (error instanceof Error) return { errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

/** The body, or undefined when it is over Lambda's limit (the rest is drained, so the answer can be read). */
function readPayload(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_PAYLOAD_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_PAYLOAD_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function clip(value: string): string {
  const clean = value.slice(0, 65).replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 64 ? `${clean.slice(0, 64)}...` : clean;
}
