import { createServer, type Server } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  childEnv,
  descendantsOf,
  redact,
  runToExit,
  startLocalService,
  waitUntilGone,
  type LocalService,
} from '../support/processes';
import { leakedIn, registerSensitive } from '../support/sensitive-values';
import { expectSameToken } from '../support/token-assertions';

/**
 * `npm start` as a newcomer runs it: no credentials (the labelled stand-in issuer),
 * its own DynamoDB Local, a free port. It serves tokens, and SIGTERM or Ctrl-C stop
 * everything it started, Java included.
 */
/** What `npm start` runs. */
const START = [process.execPath, '--import', 'tsx', 'scripts/start.ts'];
let running: LocalService | undefined;

afterEach(() => {
  // Only after a failed test: leave nothing running.
  running?.kill();
  running = undefined;
});

async function get(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(url, init);
  const body = (await response.json()) as Record<string, unknown>;
  if (typeof body.accessToken === 'string') registerSensitive(body.accessToken);
  return { status: response.status, headers: response.headers, body };
}

test('`npm start` serves tokens from the labelled stand-in issuer; SIGTERM to npm stops everything', async () => {
  running = await startLocalService(childEnv({ PORT: '0' }));
  const { url, child } = running;

  const first = await get(`${url}token`);
  const second = await get(`${url}token`);
  const refreshed = await get(`${url}token/refresh`, { method: 'POST' });
  const missing = await get(`${url}tokens`);

  expect(first.status).toBe(200);
  expect(first.headers.get('cache-control')).toBe('no-store');
  expect(first.body).toMatchObject({ tokenType: 'Bearer', audience: 'wlloyalty.net', source: 'issuer' });
  expect(second.body.source).toBe('memory');
  expectSameToken(second.body.accessToken, first.body.accessToken);
  expect(refreshed.status).toBe(200);
  expect(missing).toMatchObject({ status: 404, body: { error: 'not_found' } });
  const banner = running.output();
  expect(banner).toContain('LOCAL STAND-IN ISSUER: tokens come from a stand-in on this machine,');
  expect(banner).toContain('NOT from WLL');
  expect(banner).toContain(`curl -s ${url}token`);
  expect(banner).toContain('DynamoDB Local at http://127.0.0.1:');
  const tree = descendantsOf(child.pid as number);
  expect(tree.filter((p) => p.commandLine.includes('DynamoDBLocal.jar'))).toHaveLength(1);

  // As a supervisor stops it: npm's shell dies without passing SIGTERM on; the
  // script notices its parent is gone and stops all the same.
  child.kill('SIGTERM');
  await running.closed;
  await waitUntilGone(tree.map((p) => p.pid));

  expect(running.output()).toMatch(/stopping the local API and DynamoDB Local\.\.\.\nStopped\.\n/);
  const leaks = leakedIn(running.output());
  if (leaks.length > 0) throw new Error(`npm start printed a token: ${leaks.join(', ')}\n${redact(running.output())}`);
});

test('Ctrl-C (SIGINT to the process group) stops everything, Java included', async () => {
  running = await startLocalService(childEnv({ PORT: '0' }));
  const pid = running.child.pid as number;
  const tree = descendantsOf(pid);
  expect(tree.filter((p) => p.commandLine.includes('DynamoDBLocal.jar'))).toHaveLength(1);

  process.kill(-pid, 'SIGINT');
  await running.closed;
  await waitUntilGone(tree.map((p) => p.pid));

  expect(running.output()).toMatch(/SIGINT: stopping the local API and DynamoDB Local\.\.\.\nStopped\.\n/);
});

test('the script itself exits 0 on SIGTERM once everything is stopped', async () => {
  running = await startLocalService(childEnv({ PORT: '0', AWS_ENDPOINT_URL_DYNAMODB: process.env.TEST_DYNAMODB_ENDPOINT, TOKEN_TABLE_NAME: 'start-sigterm' }), START);

  running.child.kill('SIGTERM');

  await expect(running.exited).resolves.toEqual({ code: 0, signal: null });
  expect(running.output()).toContain('DynamoDB at http://127.0.0.1:');
});

test('without Java it says how to install it, and exits non-zero', async () => {
  // A PATH without java (node is called by its full path).
  const emptyDir = mkdtempSync(join(tmpdir(), 'no-java-'));

  const { code, output } = await runToExit(START, childEnv({ PATH: emptyDir, PORT: '0' }));

  expect(code).toBe(1);
  expect(output).toContain('npm start: DynamoDB Local (the local token cache) needs Java 17 or later');
  expect(output).toContain('apt-get install -y openjdk-17-jre-headless');
});

test.each([
  [{ PORT: 'http' }, /npm start: PORT is 'http': use a port number from 1 to 65535, or 0 for any free port/],
  [{ WLL_CLIENT_ID: 'abc' }, /npm start: WLL_CLIENT_ID is set but WLL_CLIENT_SECRET is not/],
  [{ WLL_REGION: 'mars' }, /npm start: WLL_REGION is 'mars': accepted values are eu, us and me/],
])('a bad setting %j is refused before anything starts', async (env, message) => {
  const { code, output } = await runToExit(START, childEnv(env));

  expect(code).toBe(1);
  expect(output).toMatch(message);
});

test('a port in use is said clearly, and the script exits having closed what it opened', async () => {
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const { port } = blocker.address() as { port: number };
  try {
    const { code, output } = await runToExit(
      START,
      childEnv({ PORT: String(port), AWS_ENDPOINT_URL_DYNAMODB: process.env.TEST_DYNAMODB_ENDPOINT, TOKEN_TABLE_NAME: 'start-port-in-use' }),
    );

    expect(code).toBe(1);
    expect(output).toContain(`npm start: Port ${port} is in use: stop what uses it, or set PORT to another port (PORT=0 picks a free one).`);
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }
});
