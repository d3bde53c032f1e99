/**
 * Instructions a cold start's init executes, counted by Valgrind's callgrind: unlike times, the
 * count hardly moves when other work loads the machine, so it tells a real change from noise on
 * a busy machine. Counted for the init phase only: under Valgrind a program runs some fifty
 * times slower, which the function's own bounded calls to AWS would not survive.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { LambdaContainer } from '../test/support/runtime/lambda-container';
import { runtimeToolchain } from '../test/support/runtime/toolchain';
import type { Candidate } from './cold-start';

const DIR = path.join(__dirname, '.build', 'cold-start', 'callgrind');
/** Generous: an init of 150 ms takes half a minute under callgrind on a loaded machine. */
const INIT_LIMIT_MS = 300_000;

export function valgrindAvailable(): boolean {
  return spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** The instructions (all threads) from the runtime's start to its first request for an event. */
export async function initInstructions(candidate: Candidate, environment: Readonly<Record<string, string>>): Promise<number> {
  const toolchain = runtimeToolchain();
  mkdirSync(DIR, { recursive: true });
  // The emulator starts `toolchain.node`: a script that runs the same Node.js under callgrind,
  // in the same process (exec), so the container's pid is the one to stop and the output's name.
  const wrapper = path.join(DIR, 'node');
  writeFileSync(wrapper, `#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file=${DIR}/callgrind.out.%p -q ${toolchain.node} "$@"\n`, { mode: 0o755 });
  const container = await LambdaContainer.start({
    asset: candidate.asset,
    toolchain: { ...toolchain, node: wrapper },
    environment,
    initTimeoutMs: INIT_LIMIT_MS,
    label: `${candidate.name} under callgrind`,
  });
  try {
    await container.init();
    const pid = container.pid;
    if (pid === undefined) throw new Error(`${candidate.name}: the runtime under callgrind has no process.`);
    const output = path.join(DIR, `callgrind.out.${pid}`);
    // Frozen while it waits for an event: a SIGTERM ends it once thawed, and callgrind writes its counts on the way out.
    process.kill(pid, 'SIGTERM');
    process.kill(pid, 'SIGCONT');
    const total = await totalWhenWritten(output);
    rmSync(output, { force: true });
    return total;
  } finally {
    await container.stop();
  }
}

async function totalWhenWritten(file: string): Promise<number> {
  const giveUpAt = Date.now() + 60_000;
  for (;;) {
    const found = existsSync(file) ? /^totals: (\d+)/m.exec(readFileSync(file, 'utf8')) : null;
    if (found) return Number(found[1]);
    if (Date.now() > giveUpAt) throw new Error(`callgrind wrote no totals to ${file} within a minute.`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
