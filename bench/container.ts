/**
 * One benchmark "container": a process that loads the bundled handler once, as a Lambda
 * container does, and runs the invocations the orchestrator asks for: many at once
 * (`burst`, `steady`), or one at a time (`invoke`), after which the orchestrator may
 * freeze the whole process as Lambda does. It reads its own log lines to learn how long
 * each answer waited for another container's lease.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { concurrentInvocationScope, type InvocationScope } from '../scripts/local/invocation-scope';
import type { ContainerCommand, ContainerReply, InvocationRecord, Source } from './protocol';

const waitedByRequest = new Map<string, number>();
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
  for (const line of String(chunk).split('\n')) {
    if (!line.includes('"Token vended"')) continue;
    const entry = JSON.parse(line) as { function_request_id?: string; waitedMs?: number };
    if (entry.function_request_id) waitedByRequest.set(entry.function_request_id, entry.waitedMs ?? 0);
  }
  return process.env.BENCH_SHOW_LOGS === '1' ? (write as (...args: unknown[]) => boolean)(chunk, ...rest) : true;
};

type Handler = (event: unknown, context: Context) => Promise<{ source?: Source; accessToken?: string }>;
let handler: Handler;
let inScope: InvocationScope;

function context(requestId: string): Context {
  const deadline = Date.now() + 20_000;
  return {
    awsRequestId: requestId,
    functionName: 'wll-token-vendor-bench',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  } as Context;
}

async function invoke(): Promise<InvocationRecord> {
  const requestId = randomUUID();
  const started = performance.now();
  const startedAt = Date.now();
  try {
    const result = await inScope(requestId, () => handler({}, context(requestId)));
    const latencyMs = performance.now() - started;
    const waited = (waitedByRequest.get(requestId) ?? 0) > 0;
    waitedByRequest.delete(requestId);
    const tokenSha256 = result.accessToken === undefined ? undefined : createHash('sha256').update(result.accessToken).digest('hex');
    return { ok: true, source: waited ? 'waited' : (result.source ?? 'unknown'), latencyMs, startedAt, endedAt: Date.now(), tokenSha256 };
  } catch (error) {
    const { name } = error as Error;
    return { ok: false, source: 'error', error: name, latencyMs: performance.now() - started, startedAt, endedAt: Date.now() };
  }
}

/** `concurrency` loops, each invoking every `intervalMs` until `durationMs` has passed. */
async function steady(durationMs: number, concurrency: number, intervalMs: number): Promise<InvocationRecord[]> {
  const endAt = Date.now() + durationMs;
  const records: InvocationRecord[] = [];
  const loop = async () => {
    while (Date.now() < endAt) {
      records.push(await invoke());
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return records;
}

async function load(): Promise<void> {
  // Many invocations at once in one process, each with its own invocation context.
  inScope = await concurrentInvocationScope();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  handler = (require(process.env.BENCH_HANDLER_PATH!) as { handler: Handler }).handler;
}

process.on('message', (command: ContainerCommand) => {
  if (command.type === 'invoke') {
    void invoke().then((record) => process.send?.({ type: 'answer', record } satisfies ContainerReply));
    return;
  }
  const run =
    command.type === 'burst'
      ? Promise.all(Array.from({ length: command.calls }, invoke))
      : steady(command.durationMs, command.concurrency, command.intervalMs);
  void run.then((records) => process.send?.({ type: 'done', records } satisfies ContainerReply));
});
void load().then(() => process.send?.({ type: 'ready' } satisfies ContainerReply));
