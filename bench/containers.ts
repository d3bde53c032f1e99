import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { ContainerCommand, ContainerReply, InvocationRecord } from './protocol';

const everyContainer = new Set<Container>();
// A frozen child outliving the orchestrator would stay stopped forever.
process.once('exit', () => everyContainer.forEach((container) => container.kill()));

/**
 * A benchmark container process with the bundled handler loaded. It can be frozen
 * (SIGSTOP) and thawed (SIGCONT) as Lambda freezes an execution environment between
 * invocations: while frozen nothing in it runs, timers included, and a timer that fell
 * due meanwhile fires on thaw, late.
 */
export class Container {
  private frozen = false;
  private busy = false;

  private constructor(private readonly child: ChildProcess) {
    everyContainer.add(this);
    child.once('exit', () => everyContainer.delete(this));
  }

  /** Starts a process and waits until it has loaded the handler (a cold start). */
  static async start(env: Record<string, string>): Promise<Container> {
    const child = fork(path.join(__dirname, 'container.ts'), {
      env: { ...process.env, ...env },
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    await nextReply(child, 'ready');
    return new Container(child);
  }

  static startMany(count: number, env: Record<string, string>): Promise<Container[]> {
    return Promise.all(Array.from({ length: count }, () => Container.start(env)));
  }

  /** Runs a burst or steady command: many invocations at once in the process, never frozen. */
  async run(command: Exclude<ContainerCommand, { type: 'invoke' }>): Promise<InvocationRecord[]> {
    this.thaw();
    const done = nextReply(this.child, 'done');
    this.child.send(command);
    const reply = await done;
    return reply.type === 'done' ? reply.records : [];
  }

  /**
   * One invocation, as standard Lambda runs them: thawed just before the event, and with
   * `freezeAfter`, frozen as soon as the answer is back.
   */
  async invoke(freezeAfter: boolean): Promise<InvocationRecord> {
    if (this.busy) throw new Error('benchmark container already runs an invocation: standard Lambda hands out one at a time');
    this.busy = true;
    try {
      this.thaw();
      const answered = nextReply(this.child, 'answer');
      this.child.send({ type: 'invoke' } satisfies ContainerCommand);
      const reply = await answered;
      if (freezeAfter) this.freeze();
      if (reply.type !== 'answer') throw new Error(`benchmark container answered '${reply.type}' to an invocation`);
      return reply.record;
    } finally {
      this.busy = false;
    }
  }

  /** Sends a command without waiting for its result (for a container about to be killed). */
  send(command: ContainerCommand): void {
    this.thaw();
    this.child.send(command);
  }

  freeze(): void {
    if (this.frozen || !this.alive()) return;
    this.child.kill('SIGSTOP');
    this.frozen = true;
  }

  thaw(): void {
    if (!this.frozen || !this.alive()) return;
    this.child.kill('SIGCONT');
    this.frozen = false;
  }

  kill(): void {
    if (this.alive()) this.child.kill('SIGKILL');
  }

  stop(): void {
    // A stopped process only acts on SIGTERM once it runs again.
    this.thaw();
    if (this.alive()) this.child.kill('SIGTERM');
  }

  private alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
}

/**
 * A fixed set of containers run the way standard Lambda runs them: each takes one
 * invocation at a time, an invocation goes to an idle container (or waits for one, since
 * this pool does not scale out), and an idle container is frozen. Latency is measured
 * inside the container, so time spent waiting for an idle one is not counted.
 */
export class FrozenPool {
  private readonly idle: Container[];
  private readonly waiting: ((container: Container) => void)[] = [];

  constructor(containers: readonly Container[]) {
    this.idle = [...containers];
    this.idle.forEach((container) => container.freeze());
  }

  async invoke(): Promise<InvocationRecord> {
    const container = this.idle.pop() ?? (await new Promise<Container>((resolve) => this.waiting.push(resolve)));
    try {
      return await container.invoke(true);
    } finally {
      const next = this.waiting.shift();
      if (next) next(container);
      else this.idle.push(container);
    }
  }

  /** `calls` invocations at once, queued for idle containers. */
  burst(calls: number): Promise<InvocationRecord[]> {
    return Promise.all(Array.from({ length: calls }, () => this.invoke()));
  }

  /** `callers` loops, each invoking (through the pool) every `intervalMs` until `durationMs` has passed. */
  async steady(durationMs: number, callers: number, intervalMs: number): Promise<InvocationRecord[]> {
    const endAt = Date.now() + durationMs;
    const records: InvocationRecord[] = [];
    const loop = async () => {
      while (Date.now() < endAt) {
        records.push(await this.invoke());
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    };
    await Promise.all(Array.from({ length: callers }, loop));
    return records;
  }
}

function nextReply(child: ChildProcess, type: ContainerReply['type']): Promise<ContainerReply> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: ContainerReply) => {
      if (reply.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(reply);
    };
    const onExit = (code: number | null) => reject(new Error(`benchmark container exited (code ${code}) before '${type}'`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
