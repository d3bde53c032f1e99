import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { FunctionAsset } from './function-asset';
import { lambdaEnvironment } from './lambda-environment';
import { newRequestId, RuntimeApiServer, type RuntimeAnswer } from './runtime-api';
import { runtimeToolchain, type RuntimeToolchain } from './toolchain';

/**
 * One Lambda execution environment ("container") of the token function, run the way
 * Lambda runs it: the deployable asset, loaded by the real Runtime Interface Client on
 * Node.js 24, fed by a Runtime API emulator of our own on loopback.
 *
 * Like Lambda (on-demand), it
 * - starts the runtime on the first invocation (a cold start) and keeps it for the next;
 * - hands over one event at a time, with the Lambda-Runtime-* headers (request id,
 *   deadline, function ARN, trace id);
 * - freezes the process (SIGSTOP) as soon as the runtime has answered and asks for the
 *   next event, and thaws it (SIGCONT) only when the next event is handed over, so no
 *   timer or pending promise runs in between;
 * - enforces the function timeout: the invocation fails with `Sandbox.Timedout` and the
 *   environment is reset (the process is killed; the next invocation is a cold start);
 * - reports a runtime that exits mid-invocation as `Runtime.ExitError`, and an init
 *   error with the error the runtime posted.
 *
 * With `maxConcurrency` > 1 it is a Lambda Managed Instances environment instead: the
 * RIC runs in its multi-concurrent mode (one worker thread here), up to that many
 * invocations run at once in one process, and nothing is frozen.
 */
export interface LambdaContainerOptions {
  /** The function as synthesized (see `locateTokenFunction`). */
  readonly asset: FunctionAsset;
  /** Defaults to the installed toolchain of the runtime tier. */
  readonly toolchain?: RuntimeToolchain;
  /** Variables over the function's own environment; `undefined` removes one. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** The function timeout, in ms. @default the asset's Timeout */
  readonly timeoutMs?: number;
  /** Limit of the init phase (runtime start and module load), in ms. @default 10_000 */
  readonly initTimeoutMs?: number;
  /** @default 'wll-token-vendor-runtime-tier' */
  readonly functionName?: string;
  /** A name for messages, e.g. `c1`. */
  readonly label?: string;
  /** Above 1: a Lambda Managed Instances environment (concurrent invocations, no freeze). @default 1 */
  readonly maxConcurrency?: number;
  /** Freeze between invocations (standard Lambda). @default true unless `maxConcurrency` > 1 */
  readonly freeze?: boolean;
}

interface Outcome {
  readonly ok: boolean;
  readonly result?: unknown;
  readonly errorType?: string;
  readonly errorMessage?: string;
}

/** What an invoker gets back, with what the container printed meanwhile. */
export type InvocationResult = {
  readonly requestId: string;
  /** This invocation started the runtime. */
  readonly coldStart: boolean;
  /** Runtime start and module load, for a cold start (ms). */
  readonly initDurationMs?: number;
  /** From the event's hand-over to the answer (Lambda's "Duration"), in ms. */
  readonly durationMs: number;
  /** From this invocation's turn to the answer, init included, in ms. */
  readonly latencyMs: number;
  readonly startedAt: number;
  readonly endedAt: number;
  /** Lines the container printed while this invocation ran. */
  readonly logs: readonly string[];
} & ({ readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly errorType: string; readonly errorMessage: string });

export interface ContainerStats {
  readonly invocations: number;
  readonly coldStarts: number;
  /** Times the process was stopped between invocations. */
  readonly freezes: number;
  /** Total time spent frozen, in ms. */
  readonly frozenMs: number;
  readonly timeouts: number;
  /** Environments that ended: reset after a timeout, or a runtime that exited. */
  readonly resets: number;
}

/** A line the container printed. */
export interface OutputLine {
  readonly at: number;
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

interface Pending {
  readonly requestId: string;
  readonly event: unknown;
  /** The alias or version invoked; none: the unqualified function. */
  readonly qualifier?: string;
  readonly startedAt: number;
  readonly resolve: (result: InvocationResult) => void;
  readonly logs: string[];
  coldStart: boolean;
  initDurationMs?: number;
  deliveredAt?: number;
  timer?: NodeJS.Timeout;
}

interface RuntimeProcess {
  readonly child: ChildProcess;
  readonly startedAt: number;
  ready: boolean;
  /** From the process's start to its first request for an event, in ms. */
  initDurationMs?: number;
  initTimer?: NodeJS.Timeout;
}

const DEFAULT_INIT_TIMEOUT_MS = 10_000;
/** How long after an answer a line still counts as the invocation's (it was in the pipe). */
const LOG_GRACE_MS = 20;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

export class LambdaContainer {
  readonly label: string;
  readonly timeoutMs: number;
  private readonly toolchain: RuntimeToolchain;
  private readonly functionName: string;
  private readonly maxConcurrency: number;
  private readonly freezeEnabled: boolean;
  private readonly queue: Pending[] = [];
  private readonly inFlight = new Map<string, Pending>();
  private readonly lines: OutputLine[] = [];
  private runtime?: RuntimeProcess;
  private frozenSince?: number;
  private turn: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private lastFinished?: { pending: Pending; endedAt: number };
  private counters = { invocations: 0, coldStarts: 0, freezes: 0, frozenMs: 0, timeouts: 0, resets: 0 };

  private constructor(
    private readonly options: LambdaContainerOptions,
    private readonly api: RuntimeApiServer,
  ) {
    this.toolchain = options.toolchain ?? runtimeToolchain();
    this.label = options.label ?? 'container';
    this.timeoutMs = options.timeoutMs ?? options.asset.timeoutSeconds * 1000;
    this.functionName = options.functionName ?? 'wll-token-vendor-runtime-tier';
    this.maxConcurrency = Math.max(1, options.maxConcurrency ?? 1);
    this.freezeEnabled = options.freeze ?? this.maxConcurrency === 1;
  }

  /** Starts the container's Runtime API; the runtime itself starts on the first invocation (or `init`). */
  static async start(options: LambdaContainerOptions): Promise<LambdaContainer> {
    // The API calls back into the container, which needs the API: tie the knot once both exist.
    const ref: { container?: LambdaContainer } = {};
    const api = await RuntimeApiServer.start({
      onNextRequested: () => ref.container?.onNextRequested(),
      onAnswer: (requestId, answer) => ref.container?.onAnswer(requestId, answer) ?? false,
      onInitError: (error) => ref.container?.onInitError(error),
    });
    ref.container = new LambdaContainer(options, api);
    return ref.container;
  }

  /**
   * Invokes the function with `event` (RequestResponse). On a standard container,
   * invocations take turns, as Lambda never sends a container two events at once.
   * `qualifier`: the alias (a credential set's name) or version invoked, which the
   * runtime passes on in the invoked function ARN.
   */
  invoke(event: unknown, qualifier?: string): Promise<InvocationResult> {
    if (this.stopped) return Promise.reject(new Error(`${this.label} is stopped`));
    if (this.maxConcurrency > 1) return this.run(event, qualifier);
    const result = this.turn.then(() => this.run(event, qualifier));
    this.turn = result.catch(() => undefined);
    return result;
  }

  /**
   * Starts the runtime ahead of the first invocation (as provisioned concurrency does) and waits
   * until it is ready; resolves to the runtime's init duration in ms (process start to its first
   * request for an event).
   */
  async init(): Promise<number> {
    if (!this.runtime) this.spawnRuntime();
    const giveUpAt = Date.now() + (this.options.initTimeoutMs ?? DEFAULT_INIT_TIMEOUT_MS) + 1_000;
    while (!this.runtime?.ready) {
      if (Date.now() > giveUpAt || !this.runtime) throw new Error(`${this.label}: the runtime did not become ready:\n${this.outputText()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.runtime.initDurationMs ?? 0;
  }

  stats(): ContainerStats {
    const current = this.frozenSince === undefined ? 0 : Date.now() - this.frozenSince;
    return { ...this.counters, frozenMs: this.counters.frozenMs + current };
  }

  /** True while the process is stopped between invocations. */
  get frozen(): boolean {
    return this.frozenSince !== undefined;
  }

  /** The runtime's process id, while it runs. */
  get pid(): number | undefined {
    return this.runtime?.child.pid;
  }

  /** Everything the container printed, all environments of it. */
  output(): readonly OutputLine[] {
    return this.lines;
  }

  outputText(): string {
    return this.lines.map((line) => line.text).join('\n');
  }

  /** Ends the runtime and the Runtime API; invocations still running fail. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.endRuntime('Emulator.Stopped', 'the container was stopped');
    for (const pending of this.queue.splice(0)) this.finish(pending, { ok: false, errorType: 'Emulator.Stopped', errorMessage: 'the container was stopped' });
    await this.api.close();
  }

  private run(event: unknown, qualifier?: string): Promise<InvocationResult> {
    return new Promise((resolve) => {
      const pending: Pending = { requestId: newRequestId(), event, qualifier, startedAt: Date.now(), resolve, logs: [], coldStart: false };
      this.counters.invocations += 1;
      this.queue.push(pending);
      if (!this.runtime) this.spawnRuntime();
      this.dispatch();
    });
  }

  private spawnRuntime(): void {
    const { asset } = this.options;
    const args = ['--expose-gc', '--max-http-header-size=81920', `--max-old-space-size=${Math.floor(asset.memorySize * 0.9)}`, this.toolchain.ricEntry];
    const env = lambdaEnvironment({
      asset,
      toolchain: this.toolchain,
      runtimeApi: this.api.address,
      functionName: this.functionName,
      maxConcurrency: this.maxConcurrency,
      overrides: this.options.environment,
    });
    const child = spawn(this.toolchain.node, args, { cwd: asset.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    const runtime: RuntimeProcess = { child, startedAt: Date.now(), ready: false };
    this.runtime = runtime;
    this.counters.coldStarts += 1;
    for (const pending of this.queue) pending.coldStart = true;
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: child[stream] }).on('line', (text) => this.onLine(stream, text));
    }
    child.once('exit', (code, signal) => this.onExit(runtime, code, signal));
    const initTimeoutMs = this.options.initTimeoutMs ?? DEFAULT_INIT_TIMEOUT_MS;
    runtime.initTimer = setTimeout(() => {
      if (this.runtime !== runtime || runtime.ready) return;
      const seconds = (initTimeoutMs / 1000).toFixed(2);
      this.failQueued({ errorType: 'Sandbox.Timedout', errorMessage: `INIT_REPORT Init Duration: ${initTimeoutMs} ms Phase: init Status: timeout (${seconds} s)` });
      this.endRuntime('Sandbox.Timedout', 'init timed out');
    }, initTimeoutMs);
  }

  private onNextRequested(): void {
    const runtime = this.runtime;
    if (runtime && !runtime.ready) {
      runtime.ready = true;
      clearTimeout(runtime.initTimer);
      const initDurationMs = Date.now() - runtime.startedAt;
      runtime.initDurationMs = initDurationMs;
      for (const pending of this.queue) if (pending.coldStart) pending.initDurationMs = initDurationMs;
    }
    this.dispatch();
    // The runtime is done and waits: Lambda freezes the environment here.
    if (this.freezeEnabled && this.queue.length === 0 && this.inFlight.size === 0 && this.api.pollers > 0) this.freezeRuntime();
  }

  private dispatch(): void {
    while (this.queue.length > 0 && this.api.pollers > 0 && this.inFlight.size < this.maxConcurrency) {
      const pending = this.queue.shift() as Pending;
      this.thawRuntime();
      const deliveredAt = Date.now();
      const delivered = this.api.deliver({
        requestId: pending.requestId,
        deadlineMs: deliveredAt + this.timeoutMs,
        functionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${this.functionName}${pending.qualifier === undefined ? '' : `:${pending.qualifier}`}`,
        event: pending.event,
      });
      if (!delivered) {
        this.queue.unshift(pending);
        return;
      }
      pending.deliveredAt = deliveredAt;
      pending.timer = setTimeout(() => this.onTimeout(pending), this.timeoutMs);
      this.inFlight.set(pending.requestId, pending);
    }
  }

  private onAnswer(requestId: string, answer: RuntimeAnswer): boolean {
    const pending = this.inFlight.get(requestId);
    if (!pending) return false;
    if (answer.ok) {
      let result: unknown;
      try {
        result = JSON.parse(answer.body);
      } catch {
        result = answer.body;
      }
      this.finish(pending, { ok: true, result });
    } else {
      this.finish(pending, { ok: false, errorType: answer.errorType, errorMessage: answer.errorMessage });
    }
    return true;
  }

  private onTimeout(pending: Pending): void {
    if (!this.inFlight.has(pending.requestId)) return;
    this.counters.timeouts += 1;
    const seconds = (this.timeoutMs / 1000).toFixed(2);
    this.finish(pending, { ok: false, errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${pending.requestId} Error: Task timed out after ${seconds} seconds` });
    // Lambda resets the execution environment after a timeout; Managed Instances keep it.
    if (this.maxConcurrency === 1) this.endRuntime('Sandbox.Timedout', 'reset after a timeout');
  }

  private onInitError(error: { errorType: string; errorMessage: string }): void {
    this.failQueued(error);
  }

  private onExit(runtime: RuntimeProcess, code: number | null, signal: NodeJS.Signals | null): void {
    live.delete(runtime.child);
    clearTimeout(runtime.initTimer);
    if (this.runtime !== runtime) return;
    this.runtime = undefined;
    this.counters.resets += 1;
    this.settleFrozenTime();
    this.api.forgetPollers();
    const status = signal ? `signal: ${signal}` : `exit status ${code}`;
    for (const pending of [...this.inFlight.values()]) {
      this.finish(pending, { ok: false, errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${pending.requestId} Error: Runtime exited with error: ${status}` });
    }
    if (!runtime.ready) this.failQueued({ errorType: 'Runtime.ExitError', errorMessage: `Runtime exited during init with error: ${status}` });
    if (this.queue.length > 0 && !this.stopped) this.spawnRuntime();
  }

  /** Kills the runtime (frozen or not); the next invocation starts a new one. */
  private endRuntime(errorType: string, why: string): void {
    const runtime = this.runtime;
    if (!runtime) return;
    this.runtime = undefined;
    clearTimeout(runtime.initTimer);
    this.counters.resets += 1;
    this.settleFrozenTime();
    runtime.child.kill('SIGKILL');
    this.api.forgetPollers();
    for (const pending of [...this.inFlight.values()]) {
      this.finish(pending, { ok: false, errorType, errorMessage: `RequestId: ${pending.requestId} Error: ${why}` });
    }
  }

  private failQueued(error: { errorType: string; errorMessage: string }): void {
    for (const pending of this.queue.splice(0)) this.finish(pending, { ok: false, ...error });
  }

  private finish(pending: Pending, outcome: Outcome): void {
    clearTimeout(pending.timer);
    this.inFlight.delete(pending.requestId);
    const endedAt = Date.now();
    this.lastFinished = { pending, endedAt };
    const common = {
      requestId: pending.requestId,
      coldStart: pending.coldStart,
      initDurationMs: pending.initDurationMs,
      durationMs: pending.deliveredAt === undefined ? 0 : endedAt - pending.deliveredAt,
      latencyMs: endedAt - pending.startedAt,
      startedAt: pending.startedAt,
      endedAt,
      logs: pending.logs,
    };
    const result: InvocationResult = outcome.ok
      ? { ...common, ok: true, result: outcome.result }
      : { ...common, ok: false, errorType: outcome.errorType ?? 'Unhandled', errorMessage: outcome.errorMessage ?? '' };
    // Lines written just before the answer may still be in the pipe: let them arrive.
    setTimeout(() => pending.resolve(result), LOG_GRACE_MS);
  }

  private freezeRuntime(): void {
    if (!this.runtime || this.frozenSince !== undefined) return;
    this.runtime.child.kill('SIGSTOP');
    this.frozenSince = Date.now();
    this.counters.freezes += 1;
  }

  private thawRuntime(): void {
    if (!this.runtime || this.frozenSince === undefined) return;
    this.settleFrozenTime();
    this.runtime.child.kill('SIGCONT');
  }

  private settleFrozenTime(): void {
    if (this.frozenSince === undefined) return;
    this.counters.frozenMs += Date.now() - this.frozenSince;
    this.frozenSince = undefined;
  }

  private onLine(stream: 'stdout' | 'stderr', text: string): void {
    this.lines.push({ at: Date.now(), stream, text });
    const running = [...this.inFlight.values()];
    const recent = this.lastFinished && Date.now() - this.lastFinished.endedAt <= LOG_GRACE_MS ? this.lastFinished.pending : undefined;
    const owner =
      running.length === 1 ? running[0] : (running.find((pending) => text.includes(pending.requestId)) ?? (running.length === 0 ? recent : undefined));
    owner?.logs.push(text);
  }
}

/** Never leave a runtime behind (running or stopped), however the test process ends. */
function track(child: ChildProcess): void {
  live.add(child);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const process of live) process.kill('SIGKILL');
  });
}
