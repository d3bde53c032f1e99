import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalApi } from '../../scripts/local/api-server';
import { freePort } from '../support/dynamodb-local';
import { newClient, startHarness } from '../support/harness';
import { LambdaInvokeStandIn } from '../support/lambda-invoke-stand-in';
import { childEnv, redact, REPO_ROOT, runCli, startLocalService, type CliRun, type LocalService } from '../support/processes';
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

/** Runs the CLI with `input` on its stdin (runCli gives it none). */
function cliWithInput(args: string[], input: string, env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'wll-token.js'), ...args], { cwd: REPO_ROOT, env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
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
  expect(Object.keys(result).sort()).toEqual(['accessToken', 'audience', 'credentialSet', 'expiresAt', 'expiresIn', 'source', 'tokenType']);
  expect(result).toMatchObject({ tokenType: 'Bearer', audience: 'wlloyalty.net', credentialSet: 'default' });
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

test('a reader that closes stdout at once (| head -c0) ends it quietly: no stack trace, the exit code of the outcome', async () => {
  const run = await new Promise<CliRun>((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'wll-token.js'), '--url', service.url], { cwd: REPO_ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    // The reader goes away before the token is written: the write fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout: '', stderr }));
  });

  expect(run).toMatchObject({ code: 0, stderr: '' });
});

describe('--refresh', () => {
  test('--replacing - (the refused token on stdin) gets its replacement; --replacing <sha256> of the replaced token gets the same one', async () => {
    // The default audience: staging's refusal in the exit-5 test above is remembered by the service for 5 minutes.
    const audience: string[] = [];
    const first = await cli(['--url', service.url, ...audience]);
    const refused = first.stdout.trimEnd();

    const refreshed = await cliWithInput(['--url', service.url, ...audience, '--refresh', '--replacing', '-'], `${refused}\n`);
    const again = await cli(['--url', service.url, ...audience, '--refresh', '--replacing', createHash('sha256').update(refused).digest('hex')]);

    expect(refreshed).toMatchObject({ code: 0, stderr: '' });
    expect(leakedIn(refreshed.stderr)).toEqual([]);
    const replacement = refreshed.stdout.trimEnd();
    expect(replacement).not.toBe(refused);
    expectSameToken(replacement, wll.issued[wll.issued.length - 1]?.accessToken);
    expect(again.code).toBe(0);
    expectSameToken(again.stdout.trimEnd(), replacement);
  });
});

describe('the AWS side of the CLI', () => {
  let scratch: string;
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'wll-cli-'));
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  test('a loopback URL is called without AWS credentials: no signature, and the credential chain never runs', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ accessToken: 'local-token', tokenType: 'Bearer', expiresAt: '2030-01-01T00:00:00.000Z', expiresIn: 3600, audience: 'wlloyalty.net', source: 'memory' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // A profile whose credential process leaves a mark, and instance metadata on the same loopback
    // server (never the real address): the chain would run the one and ask the other.
    const marker = join(scratch, 'chain-ran');
    const config = join(scratch, 'config');
    writeFileSync(config, `[default]\ncredential_process = ${process.execPath} -e "require('fs').writeFileSync('${marker}', 'ran')"\n`);
    try {
      const { port } = server.address() as AddressInfo;
      const run = await cli(['--url', `http://127.0.0.1:${port}/`], {
        AWS_CONFIG_FILE: config,
        AWS_EC2_METADATA_DISABLED: undefined,
        AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://127.0.0.1:${port}`,
      });

      expect(run).toMatchObject({ code: 0, stdout: 'local-token\n' });
      expect(existsSync(marker)).toBe(false);
      expect(seen).toHaveLength(1);
      expect(Object.keys(seen[0]!).filter((name) => name === 'authorization' || name.startsWith('x-amz-'))).toEqual([]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('a custom domain takes the region from AWS_DEFAULT_REGION or the AWS config file; without one, the message names --region', async () => {
    const url = ['--url', 'https://tokens.invalid/'];
    const credentials = { AWS_ACCESS_KEY_ID: 'AKIDCLITEST', AWS_SECRET_ACCESS_KEY: 'cli-test-secret-key' };
    const config = join(scratch, 'config');
    writeFileSync(config, '[default]\nregion = eu-central-1\n');

    const none = await cli(url, credentials);
    const fromDefaultRegion = await cli(url, { ...credentials, AWS_DEFAULT_REGION: 'eu-west-2' });
    const fromConfig = await cli(url, { ...credentials, AWS_CONFIG_FILE: config });

    expectFailure(none, 8, /^wll-token: cannot reach the token service: No AWS region to call the token API at https:\/\/tokens\.invalid\/token in: pass it \(--region for wll-token/);
    // Signed for that region, then the name does not resolve (.invalid never does).
    expectFailure(fromDefaultRegion, 8, /Could not reach the token API at https:\/\/tokens\.invalid\/token \((ENOTFOUND|EAI_AGAIN)\)/);
    expectFailure(fromConfig, 8, /Could not reach the token API at https:\/\/tokens\.invalid\/token \((ENOTFOUND|EAI_AGAIN)\)/);
  });

  test('a refused connection reads the same through --url and --function', async () => {
    const port = await freePort();
    const env = { AWS_ACCESS_KEY_ID: 'AKIDCLITEST', AWS_SECRET_ACCESS_KEY: 'cli-test-secret-key', AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${port}`, AWS_MAX_ATTEMPTS: '1' };

    const viaUrl = await cli(['--url', `http://127.0.0.1:${port}/`], env);
    const viaFunction = await cli(['--function', 'wll-token-vendor', '--region', 'eu-west-1'], env);

    const said = (run: CliRun) => run.stderr.replace(/Could not reach .* \(/, 'Could not reach <target> (');
    expectFailure(viaUrl, 8, /\(ECONNREFUSED\): check the network and the address\.\n$/);
    expectFailure(viaFunction, 8, /\(ECONNREFUSED\): check the network and the address\.\n$/);
    expect(said(viaUrl)).toBe(said(viaFunction));
  });
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
