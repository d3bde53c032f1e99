import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLocalApi } from '../../scripts/local/api-server';
import { freePort } from '../support/dynamodb-local';
import { newClient, startHarness } from '../support/harness';
import { LambdaInvokeStandIn } from '../support/lambda-invoke-stand-in';
import { childEnv, redact, runCli, startLocalService, type CliRun, type LocalService } from '../support/processes';
import { leakedIn } from '../support/sensitive-values';
import { expectSameToken } from '../support/token-assertions';
import { WllStandIn } from '../support/wll-stand-in';

/**
 * `wll-token` end to end, as a child process: against `npm start` (run as a child
 * too, on a free port, its issuer a WLL stand-in this test controls), and for the
 * cases `npm start` cannot produce, against the same local API in this process or
 * the Lambda Invoke stand-in. One distinct exit code per kind of failure.
 */
const AUDIENCES = ['wlloyalty.net', 'staging.wlloyalty.net', 'production.wlloyalty.net', 'other.wlloyalty.net'];
const client = newClient(AUDIENCES);
let wll: WllStandIn;
let service: LocalService;

beforeAll(async () => {
  wll = await WllStandIn.start({ clients: [client] });
  service = await startLocalService(
    childEnv({
      PORT: '0',
      WLL_CLIENT_ID: client.clientId,
      WLL_CLIENT_SECRET: client.clientSecret,
      WLL_TOKEN_URL: wll.url,
      WLL_ALLOWED_AUDIENCES: AUDIENCES.join(','),
      // The integration tier's DynamoDB Local, so this file starts no Java of its own.
      AWS_ENDPOINT_URL_DYNAMODB: process.env.TEST_DYNAMODB_ENDPOINT,
      TOKEN_TABLE_NAME: `cli-${randomUUID()}`,
    }),
  );
});

afterAll(async () => {
  if (service) {
    service.child.kill('SIGTERM');
    await service.closed;
  }
  await wll?.close();
});

/** Runs the CLI, with no AWS credentials unless given, and checks it printed no secret or token where it should not. */
async function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const run = await runCli(args, childEnv(env));
  const leaks = leakedIn(run.stderr);
  if (leaks.length > 0) throw new Error(`wll-token wrote a secret or token to stderr: ${leaks.join(', ')}`);
  return run;
}

/** A failure: the exit code, nothing on stdout, one line on stderr. */
function expectFailure(run: CliRun, code: number, message: RegExp): void {
  if (run.code !== code || run.stdout !== '' || !message.test(run.stderr) || run.stderr.trimEnd().includes('\n')) {
    throw new Error(`Expected exit ${code} and one line matching ${message}; got exit ${run.code}, stdout ${redact(run.stdout)}, stderr ${redact(run.stderr)}`);
  }
}

test('npm start says where tokens come from, and prints neither the secret nor a token', async () => {
  const run = await cli(['--url', service.url]);

  expect(run.code).toBe(0);
  const output = service.output();
  expect(output).toContain(`curl -s ${service.url}token`);
  expect(output).toContain(`${wll.url} (WLL_REGION eu), client id ${client.clientId}`);
  expect(output).not.toContain('STAND-IN');
  expect(leakedIn(output)).toEqual([]);
});

test('prints the token and a newline, nothing else', async () => {
  const run = await cli(['--url', service.url]);

  expect(run.code).toBe(0);
  expect(run.stderr).toBe('');
  expect(run.stdout.endsWith('\n')).toBe(true);
  expectSameToken(run.stdout.slice(0, -1), wll.issued[0]?.accessToken);
});

test('--json prints the whole result; --header the Authorization line; a URL ending in /token works', async () => {
  const json = await cli(['--url', service.url, '--json']);
  const header = await cli(['--url', `${service.url}token`, '--header']);

  expect(json.code).toBe(0);
  const result = JSON.parse(json.stdout) as Record<string, unknown>;
  expect(Object.keys(result).sort()).toEqual(['accessToken', 'audience', 'expiresAt', 'expiresIn', 'source', 'tokenType']);
  expect(result).toMatchObject({ tokenType: 'Bearer', audience: 'wlloyalty.net' });
  expectSameToken(result.accessToken, wll.issued[0]?.accessToken);
  expect(header.code).toBe(0);
  expect(header.stdout.startsWith('Authorization: Bearer ')).toBe(true);
  expectSameToken(header.stdout.slice('Authorization: Bearer '.length, -1), wll.issued[0]?.accessToken);
});

test('--help documents every exit code', async () => {
  const run = await cli(['--help']);

  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/^Usage: wll-token/);
  for (const code of [0, 1, 2, 3, 4, 5, 6, 7, 8]) expect(run.stdout).toMatch(new RegExp(`^  ${code}  `, 'm'));
});

test.each([
  [[], /give either --function <name> or --url <api url>/],
  [['--url', 'https://x.example.com/', '--function', 'f'], /give either/],
  [['--function', 'f', '--json', '--header'], /not both/],
  [['--function', 'f', '--profile', 'p'], /Unknown option '--profile'/],
  [['--url', 'not a url'], /is not a URL/],
])('exit 2 (usage): %j', async (args, message) => {
  expectFailure(await cli(args), 2, message);
});

test('exit 3 (configuration): the service reports an invalid setting', async () => {
  const h = await startHarness();
  const api = await startLocalApi(h.loadHandler({ WLL_REGION: 'mars' }), 0);
  try {
    expectFailure(await cli(['--url', api.url]), 3, /^wll-token: the service's configuration is invalid: WLL_REGION is 'mars'/);
  } finally {
    await api.close();
    await h.close();
  }
});

test('exit 4 (bad request): an audience that is not allowed', async () => {
  expectFailure(await cli(['--url', service.url, '--audience', 'evil.example.com']), 4, /^wll-token: request refused: Audience 'evil.example.com' is not allowed/);
});

test('exit 5 (credentials): WLL rejects the client', async () => {
  wll.setClients([]);
  try {
    expectFailure(
      await cli(['--url', service.url, '--audience', 'staging.wlloyalty.net']),
      5,
      /^wll-token: the service's WLL client credentials are unusable: .*rejected the client credentials/,
    );
  } finally {
    wll.setClients([client]);
  }
});

test('exit 6 (issuer): WLL refuses the request', async () => {
  wll.enqueue({ status: 400, body: JSON.stringify({ error: 'invalid_request', error_description: 'Bad request' }) });

  expectFailure(await cli(['--url', service.url, '--audience', 'production.wlloyalty.net']), 6, /^wll-token: WLL's token endpoint failed: /);
});

test('exit 7 (rate limited): the message says when to retry', async () => {
  wll.enqueue({ status: 429, body: JSON.stringify({ error: 'too_many_requests' }), headers: { 'Retry-After': '120' } });

  expectFailure(await cli(['--url', service.url, '--audience', 'other.wlloyalty.net']), 7, /^wll-token: rate limited by WLL: .*retry after 120 seconds/);
});

test('exit 8 (service access): nothing listens at the URL', async () => {
  const port = await freePort();

  expectFailure(await cli(['--url', `http://127.0.0.1:${port}/`]), 8, /^wll-token: cannot reach the token service: Could not reach .*ECONNREFUSED/);
});

test('exit 1 (unexpected): something that is not the token vendor answers', async () => {
  const server: Server = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('hello'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    expectFailure(await cli(['--url', `http://127.0.0.1:${port}/`]), 1, /^wll-token: unexpected error: .*not JSON/);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('--function, through the Lambda Invoke stand-in', () => {
  const credentials = { accessKeyId: 'AKIDCLITEST', secretAccessKey: 'cli-test-secret-key' };

  test('prints the token; an unknown function is exit 8', async () => {
    const h = await startHarness();
    const lambda = await LambdaInvokeStandIn.start({ functions: { 'wll-token-vendor': h.loadHandler() }, credentials: [credentials] });
    const env = {
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
      AWS_MAX_ATTEMPTS: '1',
    };
    try {
      const run = await cli(['--function', 'wll-token-vendor', '--region', 'eu-west-1'], env);
      const missing = await cli(['--function', 'no-such-function', '--region', 'eu-west-1'], env);

      expect(run).toMatchObject({ code: 0, stderr: '' });
      expectSameToken(run.stdout.trimEnd(), h.wll.issued[0]?.accessToken);
      expect(lambda.invocations).toEqual([{ functionName: 'wll-token-vendor', event: {} }]);
      expectFailure(missing, 8, /^wll-token: cannot reach the token service: Function no-such-function was not found/);
    } finally {
      await lambda.close();
      await h.close();
    }
  });
});
