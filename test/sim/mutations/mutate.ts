/**
 * Mutations: each `*.patch` here puts back one defect the reviews found and the code fixed. A
 * mutant is a temporary copy of lambda/ and test/sim/ with its patch applied (the checkout is
 * never touched); the simulation runs there exactly as it runs here. `--mutations` runs every
 * mutant over the CI seeds until one fails, and fails itself if a mutant survives.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SeedsOptions } from '../seeds';
import { MUTANT_VARIABLE } from './mutant-variable';

const ROOT = resolve(__dirname, '../../..');
const HERE = join(ROOT, 'test/sim/mutations');
export { MUTANT_VARIABLE };

export interface Mutation {
  readonly name: string;
  /** The first line of the patch: which defect it puts back. */
  readonly description: string;
}

export function mutations(): Mutation[] {
  return readdirSync(HERE)
    .filter((file) => file.endsWith('.patch'))
    .sort()
    .map((file) => ({ name: file.slice(0, -'.patch'.length), description: readFileSync(join(HERE, file), 'utf8').split('\n')[0]!.replace(/^Mutation [^:]+: /, '') }));
}

/** A temporary copy of the function and the simulation with the mutation's patch applied. */
export function prepareMutant(name: string): string {
  const patch = join(HERE, `${name}.patch`);
  const dir = mkdtempSync(join(tmpdir(), `wll-sim-${name}-`));
  for (const part of ['lambda', 'test/sim', 'package.json', 'tsconfig.json']) cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  try {
    execFileSync('git', ['apply', '--whitespace=nowarn', patch], { cwd: dir, stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const said = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`Mutation ${name} no longer applies to lambda/ (${said}): update test/sim/mutations/${name}.patch to put the same defect back.`, { cause: error });
  }
  return dir;
}

/** Runs the simulation with `args` inside mutant `name`; resolves with its exit code and output. */
export function runInMutant(name: string, args: readonly string[], echo: boolean): Promise<{ code: number; output: string }> {
  const dir = prepareMutant(name);
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/sim/run.ts', ...args, '--mutation', name], {
      cwd: dir,
      env: { ...process.env, [MUTANT_VARIABLE]: name },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      if (echo) process.stdout.write(chunk);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('close', (code) => {
      rmSync(dir, { recursive: true, force: true });
      done({ code: code ?? 1, output });
    });
  });
}

/** Every mutation must be caught within the CI seeds; prints which seed caught each and how short its trace shrank. */
export async function runMutations(options: SeedsOptions): Promise<number> {
  const started = performance.now();
  const all = mutations();
  const results: { mutation: Mutation; line: string; caught: boolean }[] = [];
  const queue = [...all];
  const worker = async () => {
    for (let mutation = queue.shift(); mutation; mutation = queue.shift()) {
      const args = ['--from', String(options.first), '--seeds', String(options.count), '--steps', String(options.maxSteps), '--stop-at-first', '--quiet', '--workers', '1'];
      if (options.shrinkSeconds !== undefined) args.push('--shrink-seconds', String(options.shrinkSeconds));
      if (options.noShrink) args.push('--no-shrink');
      const { code, output } = await runInMutant(mutation.name, args, false);
      const failed = /^seed (\d+): FAILED (.*) \((shrunk to \d+ steps|\d+ steps, not shrunk), ([\d.]+) s\)$/m.exec(output);
      const kept = [...output.matchAll(/^regression (\S+): (caught|NOT caught)/gm)];
      const keptMissed = kept.filter((k) => k[2] !== 'caught').map((k) => k[1]);
      const caught = code === 1 && failed !== null && keptMissed.length === 0;
      const cases = kept.length > 0 ? `; its regression case${kept.length === 1 ? '' : 's'} ${kept.map((k) => `${k[1]} ${k[2]}`).join(', ')}` : '';
      const line =
        failed !== null
          ? `caught by seed ${failed[1]}: ${failed[2]}; ${failed[3]}${cases}`
          : code === 0
            ? `NOT CAUGHT in ${options.count} seeds${cases}`
            : `the simulation failed: ${output.split('\n').filter(Boolean).slice(-5).join(' | ')}`;
      results.push({ mutation, line, caught });
      console.log(`${mutation.name}: ${line}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.workers) }, worker));
  const survivors = results.filter((r) => !r.caught);
  console.log(`\n${all.length - survivors.length} of ${all.length} mutations caught in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  for (const { mutation } of survivors) console.log(`  survived: ${mutation.name}: ${mutation.description}`);
  return survivors.length > 0 ? 1 : 0;
}
