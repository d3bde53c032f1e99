import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { createTokenClient } from '../../client/lambda-client';
import { registerSensitive } from '../support/sensitive-values';

/**
 * What a client's error keeps of the AWS SDK's error as `cause`. The SDK puts what it read into
 * its errors: the fields of an error body as properties, the body itself behind `$response` and
 * `$responseBodyText` when it could not parse it, a snippet of it in a parse error's message. An
 * answer holding a token that reaches the SDK that way must not reach a log through the cause.
 */
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjYXVzZSJ9.cause-test-token-signature';
registerSensitive(TOKEN);
const ANSWER = JSON.stringify({ accessToken: TOKEN, tokenType: 'Bearer', expiresAt: '2030-01-01T00:00:00.000Z', expiresIn: 3600, audience: 'wlloyalty.net', source: 'memory' });

let server: Server;
let answer: (res: ServerResponse) => void;

beforeAll(async () => {
  server = createServer((_req, res) => answer(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function failure(): Promise<Error> {
  const { port } = server.address() as AddressInfo;
  const client = new LambdaClient({ endpoint: `http://127.0.0.1:${port}`, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDCAUSE', secretAccessKey: 'cause-secret' }, maxAttempts: 1 });
  return createTokenClient({ functionName: 'wll-token-vendor', client }).getToken().then(
    () => new Error('expected a failure'),
    (error: unknown) => error as Error,
  );
}

/** Everything a logger could print of the error, hidden properties and causes included. */
const everything = (error: Error) => `${inspect(error, { showHidden: true, depth: 8 })} ${JSON.stringify(error)} ${error.message}`;

test.each([
  ['an error status whose body is an answer (its fields become the SDK error\'s properties)', (res: ServerResponse) => res.writeHead(502, { 'Content-Type': 'application/json' }).end(ANSWER)],
  ['an error status whose body does not parse (the SDK keeps the text)', (res: ServerResponse) => res.writeHead(500, { 'Content-Type': 'application/json' }).end(`${ANSWER.slice(0, -1)},`)],
])('%s: the client error names the failure, and neither it nor its cause holds the token', async (_what, respond) => {
  answer = respond;

  const error = await failure();

  expect(error.name).toBe('ServiceAccessError');
  expect(everything(error)).not.toContain(TOKEN);
  expect(everything(error)).not.toContain('cause-test-token');
  expect(error.cause).toBeInstanceOf(Error);
});
