import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprint, sensitiveValues } from './sensitive-values';

/**
 * Child processes of the end-to-end tests: `npm start` and the `wll-token` CLI, with
 * a clean environment (never the test worker's), their output collected, and the
 * Linux process table read to prove nothing is left behind.
 */
export const REPO_ROOT = join(__dirname, '..', '..');

/** The environment of a child: the basics plus `extra`, nothing from the test worker. */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: process.env.LANG ?? 'C.UTF-8',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // No stray AWS configuration of the machine: the tests say what they use.
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
  };
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** Output with every registered secret or token replaced by its fingerprint, safe to put in a failure message. */
export function redact(text: string): string {
  return sensitiveValues().reduce((out, value) => out.split(value).join(`<${fingerprint(value)}>`), text);
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs bin/wll-token.js as a user would, and collects what it printed. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'wll-token.js'), ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A running `npm start` (or another command of it), in its own process group. */
export interface LocalService {
  readonly child: ChildProcess;
  /** The API base URL it printed, ending in `/`. */
  readonly url: string;
  /** Everything it printed so far, stdout and stderr together. */
  output(): string;
  /** Resolves with the exit code and signal once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once no process holds its stdout and stderr any more: all output is in. */
  readonly closed: Promise<void>;
  /** Kills the whole process group if anything is still running (cleanup after a failed test). */
  kill(): void;
}

/**
 * Starts `command` (by default `npm start`) and waits for the ready banner. Rejects
 * with the (redacted) output when it exits first.
 */
export function startLocalService(env: NodeJS.ProcessEnv, command: readonly string[] = ['npm', 'start']): Promise<LocalService> {
  const [file, ...args] = command as [string, ...string[]];
  const child = spawn(file, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const kill = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const ready = /ready at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
      if (ready) resolve({ child, url: ready[1] as string, output: () => output, exited, closed, kill });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', reject);
    void exited.then(({ code, signal }) =>
      reject(new Error(`${command.join(' ')} exited (code ${code}, signal ${signal}) before it was ready:\n${redact(output)}`)),
    );
  });
}

/** Runs a command to completion and collects its output (stdout and stderr together). */
export function runToExit(command: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const [file, ...args] = command as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(guard);
      resolve({ code, output });
    });
  });
}

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly state: string;
  readonly commandLine: string;
}

/** The process table, from /proc (Linux). */
export function processTable(): ProcessInfo[] {
  const table: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
      const [state = '?', ppid = '0'] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      table.push({ pid: Number(entry), ppid: Number(ppid), state, commandLine });
    } catch {
      // It ended while we looked.
    }
  }
  return table;
}

/** All descendants of `pid`, children first. */
export function descendantsOf(pid: number): ProcessInfo[] {
  const table = processTable();
  const found: ProcessInfo[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    for (const info of table.filter((p) => p.ppid === parent)) {
      found.push(info);
      queue.push(info.pid);
    }
  }
  return found;
}

/** True while the process exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  if (!existsSync(`/proc/${pid}`)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Waits until none of `pids` is running; rejects naming the survivors if some still
 * run after `limitMs` (a bound on a hang, not a timing assertion).
 */
export async function waitUntilGone(pids: readonly number[], limitMs = 20_000): Promise<void> {
  const giveUpAt = Date.now() + limitMs;
  for (;;) {
    const running = pids.filter(isRunning);
    if (running.length === 0) return;
    if (Date.now() > giveUpAt) {
      const table = processTable().filter((p) => running.includes(p.pid));
      throw new Error(`Still running after ${limitMs} ms: ${table.map((p) => `${p.pid} ${p.commandLine.slice(0, 100)}`).join('; ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
