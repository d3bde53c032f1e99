import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FunctionAsset } from '../support/runtime/function-asset';
import { LambdaContainer } from '../support/runtime/lambda-container';
import { registerSensitive } from '../support/sensitive-values';
import { assertNoLeaks, sleep } from '../support/runtime/stand';

/**
 * The emulator itself behaves as Lambda does, shown with a tiny function of our own:
 * frozen between invocations (a timer set by one invocation does not run until the
 * next one), timeouts reset the environment, a crash is a Runtime.ExitError, and the
 * runtime's error payload reaches the invoker as errorType and errorMessage.
 */
const HANDLER = `
const { appendFileSync } = require('node:fs');
const marks = process.env.MARKS_FILE;
exports.handler = async (event, context) => {
  if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  if (event.exit) process.exit(3);
  if (event.fail) { const e = new Error('asked to fail'); e.name = 'AskedError'; throw e; }
  // Work left behind after answering: Lambda freezes it with the environment.
  if (event.later) setTimeout(() => appendFileSync(marks, 'later\\n'), event.later);
  if (event.say) console.log('saying', event.say);
  return { pid: process.pid, node: process.version, remaining: context.getRemainingTimeInMillis(), requestId: context.awsRequestId };
};
`;

let dir: string;
let asset: FunctionAsset;
const containers: LambdaContainer[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'runtime-emulator-'));
  writeFileSync(join(dir, 'index.js'), HANDLER);
  asset = { dir, handler: 'index.handler', runtime: 'nodejs24.x', timeoutSeconds: 3, memorySize: 128, environment: {}, referencedVariables: [], cdkPath: 'test' };
});

afterAll(async () => {
  await Promise.all(containers.map((c) => c.stop()));
  rmSync(dir, { recursive: true, force: true });
});

async function container(name: string, timeoutMs?: number): Promise<{ container: LambdaContainer; marks: string }> {
  const marks = join(dir, `${name}.marks`);
  writeFileSync(marks, '');
  const started = await LambdaContainer.start({ asset, label: name, timeoutMs, environment: { MARKS_FILE: marks } });
  containers.push(started);
  return { container: started, marks };
}

function procState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] as string;
}

test('runs the handler on Node.js 24 with the invocation context, and freezes the process between invocations', async () => {
  const { container: c, marks } = await container('freeze');
  const first = await c.invoke({ later: 300 });
  expect(first).toMatchObject({ ok: true, coldStart: true, result: { node: expect.stringMatching(/^v24\./) } });
  const { pid, remaining, requestId } = (first as { result: { pid: number; remaining: number; requestId: string } }).result;
  expect(requestId).toBe(first.requestId);
  expect(remaining).toBeGreaterThan(2_000);

  await sleep(1_000);
  // Stopped (T), and the timer due 300 ms after the answer has not run.
  expect(c.frozen).toBe(true);
  expect(procState(pid)).toBe('T');
  expect(readFileSync(marks, 'utf8')).toBe('');

  const second = await c.invoke({});
  expect(second).toMatchObject({ ok: true, coldStart: false, result: { pid } });
  await sleep(100);
  // Thawed for the second invocation, the overdue timer ran at last.
  expect(readFileSync(marks, 'utf8')).toBe('later\n');
  expect(c.stats()).toMatchObject({ invocations: 2, coldStarts: 1, timeouts: 0 });
  expect(c.stats().freezes).toBeGreaterThanOrEqual(2);
  expect(c.stats().frozenMs).toBeGreaterThanOrEqual(900);
});

test('a timeout fails the invocation as Lambda does and resets the environment', async () => {
  const { container: c } = await container('timeout', 1_000);
  const warm = await c.invoke({});
  const { pid } = (warm as { result: { pid: number } }).result;
  const late = await c.invoke({ sleepMs: 5_000 });
  expect(late).toMatchObject({ ok: false, errorType: 'Sandbox.Timedout', errorMessage: expect.stringContaining('Task timed out after 1.00 seconds') });
  expect(late.durationMs).toBeLessThan(2_000);
  const next = await c.invoke({});
  expect(next).toMatchObject({ ok: true, coldStart: true });
  expect((next as { result: { pid: number } }).result.pid).not.toBe(pid);
  expect(c.stats()).toMatchObject({ timeouts: 1, coldStarts: 2, resets: 1 });
});

test("the runtime's error payload reaches the invoker; a crash is a Runtime.ExitError", async () => {
  const { container: c } = await container('errors');
  expect(await c.invoke({ fail: true })).toMatchObject({ ok: false, errorType: 'AskedError', errorMessage: 'asked to fail' });
  expect(await c.invoke({ exit: true })).toMatchObject({ ok: false, errorType: 'Runtime.ExitError', errorMessage: expect.stringContaining('exit status 3') });
  expect(await c.invoke({})).toMatchObject({ ok: true, coldStart: true });
});

test('a Managed Instances container runs invocations concurrently and never freezes', async () => {
  const marks = join(dir, 'mi.marks');
  const c = await LambdaContainer.start({ asset, label: 'mi', maxConcurrency: 4, environment: { MARKS_FILE: marks } });
  containers.push(c);
  const results = await Promise.all(Array.from({ length: 4 }, () => c.invoke({ sleepMs: 1_000 })));
  expect(results.every((r) => r.ok)).toBe(true);
  expect(new Set(results.map((r) => (r as { result: { pid: number } }).result.pid)).size).toBe(1);
  // At once, not one after the other: all four were handed over before the first answered.
  const lastHandedOver = Math.max(...results.map((r) => r.endedAt - r.durationMs));
  expect(lastHandedOver).toBeLessThan(Math.min(...results.map((r) => r.endedAt)));
  await sleep(300);
  expect(c.frozen).toBe(false);
  expect(c.stats().freezes).toBe(0);
});

test("an invocation's result carries the lines it printed, and the leak check sees a secret printed by a container", async () => {
  const { container: c } = await container('leak');
  const secret = `secret-${Date.now()}-never-print-me`;
  registerSensitive(secret);

  const said = await c.invoke({ say: 'hello' });
  expect(said.logs.some((line) => line.includes('saying hello'))).toBe(true);
  expect(() => assertNoLeaks([c])).not.toThrow();

  await c.invoke({ say: secret });
  expect(() => assertNoLeaks([c])).toThrow(/appeared in a container's output: leak: sha256:/);
  // Never leave the secret in the output the file-level checks see.
  await c.stop();
});
