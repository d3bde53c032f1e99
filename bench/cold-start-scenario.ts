/**
 * `npm run bench -- cold [variants] [instructions] [rounds=N]`: the cold-start scenario from end
 * to end. Synthesizes the app, starts DynamoDB Local and the stand-ins, stores a token in the
 * table (so that every measured first invocation takes the common path of a new container: the
 * secret read, then the token from DynamoDB), then runs the candidates in interleaved rounds
 * and prints what each costs over the empty handler, with what the bundle is made of.
 */
import { cpus, loadavg } from 'node:os';
import { runtimeToolchain } from '../test/support/runtime/toolchain';
import { composition, formatComposition } from './bundle-composition';
import { coldStart, interleaved, startColdStartStand, type ColdStartSample } from './cold-start';
import { deployedCandidates, EMPTY, FUNCTION, variantCandidates, type BuiltCandidate } from './cold-start-candidates';
import { initInstructions, valgrindAvailable } from './cold-start-instructions';
import { excessLine, formatColdStartTable, pairedExcess, summarize } from './cold-start-report';
import { roundOrders } from './round-order';
import { percentile } from './report';
import { FUNCTION_BUNDLE_BUDGET_BYTES } from '../infra/function-code';

export interface ColdStartOptions {
  /** Rounds of wall-clock and CPU measurements (every candidate once per round). */
  readonly rounds: number;
  /** Also measure the other ways of bundling the same source. */
  readonly variants: boolean;
  /** Rounds of instruction counts under callgrind (0: none). */
  readonly instructionRounds: number;
}

const FLAGS = ['variants', 'instructions'];
const ROUNDS = /^rounds=(\d+)$/;
const DEFAULT_ROUNDS = 41;
const DEFAULT_INSTRUCTION_ROUNDS = 3;

/** True for the arguments the cold-start scenario reads besides its name. */
export function isColdStartArgument(arg: string): boolean {
  return FLAGS.includes(arg) || ROUNDS.test(arg);
}

export function coldStartOptions(args: readonly string[]): ColdStartOptions {
  const rounds = args.map((arg) => ROUNDS.exec(arg)?.[1]).find((value) => value !== undefined);
  return {
    rounds: rounds === undefined ? DEFAULT_ROUNDS : Math.max(1, Number(rounds)),
    variants: args.includes('variants'),
    instructionRounds: args.includes('instructions') ? DEFAULT_INSTRUCTION_ROUNDS : 0,
  };
}

export async function coldStartScenario(options: ColdStartOptions): Promise<void> {
  if (options.instructionRounds > 0 && !valgrindAvailable()) {
    throw new Error('Counting instructions needs Valgrind, which is not installed (Debian/Ubuntu: sudo apt-get install -y valgrind).');
  }
  const toolchain = runtimeToolchain();
  process.stderr.write('cold start: synthesizing the app and bundling...\n');
  const { empty, fn } = deployedCandidates();
  const candidates = [empty, fn, ...(options.variants ? variantCandidates(fn.asset) : [])];
  const stand = await startColdStartStand();
  const loadBefore = loadavg();
  const startedAt = Date.now();
  let samples: Map<string, ColdStartSample[]>;
  let instructions: Map<string, number[]> | undefined;
  try {
    // The first invocation of all mints the token the measured ones find in the table; one
    // round is thrown away, so that no candidate pays for the machine's cold file cache.
    await coldStart({ ...fn, expectedSource: 'issuer' }, stand.environment);
    await interleaved(candidates, stand.environment, 1);
    samples = await interleaved(candidates, stand.environment, options.rounds, (round) => {
      if (round % 10 === 0) process.stderr.write(`  round ${round} of ${options.rounds}\n`);
    });
    if (options.instructionRounds > 0) instructions = await countInstructions(candidates, stand.environment, options.instructionRounds);
  } finally {
    await stand.close();
  }
  const loadAfter = loadavg();

  const summaries = summarize(samples, EMPTY);
  const sizes = new Map(candidates.flatMap((c) => (c.bundleBytes === undefined ? [] : [[c.name, c.bundleBytes] as const])));
  const cpu = cpus();
  console.log(
    `\nCold start: ${options.rounds} rounds, the candidates interleaved in each; Node.js ${toolchain.nodeVersion} under aws-lambda-ric ` +
      `${toolchain.ricVersion}; ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}; load average ${loadBefore[0]!.toFixed(1)} before, ` +
      `${loadAfter[0]!.toFixed(1)} after; ${((Date.now() - startedAt) / 1000).toFixed(0)} s.\n`,
  );
  for (const candidate of candidates) console.log(`- ${candidate.name}: ${candidate.description}`);
  console.log(`\n${formatColdStartTable(summaries, sizes, EMPTY)}\n`);
  console.log(excessLine(summaries.find((s) => s.name === FUNCTION)!, EMPTY));
  if (instructions) console.log(`\n${formatInstructions(instructions)}`);
  console.log(
    `\nThe function's bundle: ${(fn.bundleBytes! / 1000).toFixed(1)} kB of a ${(FUNCTION_BUNDLE_BUDGET_BYTES / 1000).toFixed(0)} kB budget ` +
      `(FUNCTION_BUNDLE_BUDGET_BYTES, checked by test/infra/function-code.test.ts).\n`,
  );
  console.log(formatComposition(composition(fn.metafile!), 12));
}

async function countInstructions(candidates: readonly BuiltCandidate[], environment: Readonly<Record<string, string>>, rounds: number): Promise<Map<string, number[]>> {
  const counts = new Map(candidates.map((c) => [c.name, [] as number[]]));
  const order = roundOrders(candidates.length);
  for (let round = 0; round < rounds; round += 1) {
    for (const index of order()) {
      const candidate = candidates[index]!;
      process.stderr.write(`  instructions: round ${round + 1} of ${rounds}, ${candidate.name}\n`);
      counts.get(candidate.name)!.push(await initInstructions(candidate, environment));
    }
  }
  return counts;
}

function formatInstructions(counts: ReadonlyMap<string, readonly number[]>): string {
  const base = counts.get(EMPTY)!;
  const millions = (n: number) => `${(n / 1e6).toFixed(0)} M`;
  const rows = [...counts].map(([name, values]) => {
    const over = name === EMPTY ? '-' : `+${millions(pairedExcess(values, base))}`;
    return `| ${name} | ${millions(percentile(values, 50))} | ${millions(Math.min(...values))} – ${millions(Math.max(...values))} | ${over} |`;
  });
  return [`Init instructions (callgrind, ${base.length} rounds):\n`, '| candidate | median | range | over empty |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
