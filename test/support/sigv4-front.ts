/**
 * IAM in front of `npm start`, for callers written in other languages (the Python client's tests):
 * a loopback server that checks each request's SigV4 signature with the project's own verifier
 * (written from the specification, not with any client's signing library) and forwards what passes
 * to `npm start`. `/<stage>/...` is the REST API (service `execute-api`, the stage stripped, as
 * API Gateway does); `/2015-03-31/...` is Lambda's Invoke API (service `lambda`). A request that
 * fails the check gets AWS's 403 and never reaches the function.
 *
 * Run as a program: `node --import tsx test/support/sigv4-front.ts` with FRONT_TARGET (npm start's
 * URL), FRONT_ACCESS_KEY_ID, FRONT_SECRET_ACCESS_KEY and optionally FRONT_REGION (eu-west-1) and
 * FRONT_STAGE (prod); it prints `front ready at <url>` and stops on SIGTERM.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './read-body';
import { verifySigV4, type TestCredentials } from './sigv4-verifier';

export interface SigV4FrontOptions {
  /** Where passing requests go: `npm start`'s base URL. */
  readonly target: string;
  readonly credentials: readonly TestCredentials[];
  readonly region: string;
  readonly stage: string;
}

export interface SigV4Front {
  /** The base URL: the Invoke API's endpoint; the REST API is under `<url><stage>/`. */
  readonly url: string;
  close(): Promise<void>;
}

export async function startSigV4Front(options: SigV4FrontOptions): Promise<SigV4Front> {
  const server: Server = createServer((req, res) => void forward(options, req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function forward(options: SigV4FrontOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const url = req.url ?? '/';
  const lambda = url.startsWith('/2015-03-31/');
  const stagePrefix = `/${options.stage}/`;
  if (!lambda && !url.startsWith(stagePrefix)) return refuse(res, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  const verdict = verifySigV4(
    { method: req.method ?? 'GET', url, headers: req.headers, body },
    { service: lambda ? 'lambda' : 'execute-api', region: options.region, credentials: options.credentials },
  );
  if (!verdict.ok) return refuse(res, verdict.errorType, verdict.message);
  const path = lambda ? url : url.slice(stagePrefix.length - 1);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !['host', 'connection', 'content-length'].includes(name)) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const answer = await fetch(new URL(path.slice(1), options.target), { method: req.method, headers, body: body === '' ? undefined : body, redirect: 'manual' });
  const passed: Record<string, string> = {};
  answer.headers.forEach((value, name) => {
    if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name)) passed[name] = value;
  });
  res.writeHead(answer.status, passed);
  res.end(Buffer.from(await answer.arrayBuffer()));
}

function refuse(res: ServerResponse, errorType: string, message: string): void {
  res.writeHead(403, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': errorType, 'x-amzn-RequestId': randomUUID() });
  res.end(JSON.stringify({ message }));
}

/** The program: settings from the environment, the URL on stdout, SIGTERM to stop. */
async function main(env: NodeJS.ProcessEnv): Promise<void> {
  const { FRONT_TARGET: target, FRONT_ACCESS_KEY_ID: accessKeyId, FRONT_SECRET_ACCESS_KEY: secretAccessKey } = env;
  if (!target || !accessKeyId || !secretAccessKey) throw new Error('Set FRONT_TARGET, FRONT_ACCESS_KEY_ID and FRONT_SECRET_ACCESS_KEY.');
  const front = await startSigV4Front({
    target,
    credentials: [{ accessKeyId, secretAccessKey }],
    region: env.FRONT_REGION ?? 'eu-west-1',
    stage: env.FRONT_STAGE ?? 'prod',
  });
  process.on('SIGTERM', () => void front.close().then(() => process.exit(0)));
  console.log(`front ready at ${front.url}`);
}

if (require.main === module) {
  main(process.env).catch((error: unknown) => {
    console.error(`sigv4-front: ${(error as Error).message}`);
    process.exitCode = 1;
  });
}
