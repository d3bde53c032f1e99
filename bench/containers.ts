import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { ContainerCommand, ContainerReply, InvocationRecord } from './protocol';

/** A benchmark container process with the bundled handler loaded. */
export class Container {
  private constructor(private readonly child: ChildProcess) {}

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

  async run(command: ContainerCommand): Promise<InvocationRecord[]> {
    const done = nextReply(this.child, 'done');
    this.child.send(command);
    const reply = await done;
    return reply.type === 'done' ? reply.records : [];
  }

  /** Sends a command without waiting for its result (for a container about to be killed). */
  send(command: ContainerCommand): void {
    this.child.send(command);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
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
