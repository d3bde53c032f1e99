/**
 * `npm run sim`: the deterministic simulation of the refresh protocol (docs/development.md#the-simulation).
 *
 *   npm run sim                          the CI run: the regression seeds, then seeds 1..N
 *   npm run sim -- --seeds 2000          a longer soak (--from S to start elsewhere)
 *   npm run sim -- --seed 7 --path 0:3 --replay-path AB   replays one shrunk failure, with its trace
 *   npm run sim -- --mutation NAME       the same, on a copy of lambda/ with a fixed defect put back
 *   npm run sim -- --mutations           every mutation must be caught within the CI seeds
 *   npm run sim -- --strict              known open defects fail the run instead of being reported
 */
import { parseArgs } from 'node:util';
import { MUTANT_VARIABLE, runInMutant, runMutations } from './mutations/mutate';
import { runSeeds, type SeedsOptions } from './seeds';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string' },
    from: { type: 'string' },
    seed: { type: 'string' },
    path: { type: 'string' },
    'replay-path': { type: 'string' },
    steps: { type: 'string' },
    strict: { type: 'boolean', default: false },
    mutation: { type: 'string' },
    mutations: { type: 'boolean', default: false },
    workers: { type: 'string' },
    'no-regressions': { type: 'boolean', default: false },
    'stop-at-first': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
    'no-shrink': { type: 'boolean', default: false },
    'shrink-seconds': { type: 'string' },
  },
  strict: true,
});

/** The CI run: this many seeds of at most this many steps each (about 2 minutes on 2 cores; see docs/development.md). */
export const CI_SEEDS = 60;
export const CI_STEPS = 60;

async function main(): Promise<number> {
  const options: SeedsOptions = {
    first: Number(values.seed ?? values.from ?? 1),
    count: values.seed !== undefined ? 1 : Number(values.seeds ?? CI_SEEDS),
    maxSteps: Number(values.steps ?? CI_STEPS),
    path: values.path,
    replayPath: values['replay-path'],
    strict: values.strict,
    regressions: values.seed === undefined && !values['no-regressions'],
    workers: Number(values.workers ?? (values.seed !== undefined ? 1 : 2)),
    stopAtFirst: values['stop-at-first'] || values.mutation !== undefined,
    quiet: values.quiet,
    mutation: values.mutation,
    noShrink: values['no-shrink'],
    shrinkSeconds: values['shrink-seconds'] === undefined ? (values.seed === undefined ? 60 : undefined) : Number(values['shrink-seconds']),
  };
  if (values.mutations) return runMutations({ ...options, count: Number(values.seeds ?? CI_SEEDS), shrinkSeconds: options.shrinkSeconds ?? 20 });
  if (values.mutation !== undefined && process.env[MUTANT_VARIABLE] !== values.mutation) {
    // Run the same command inside a copy of lambda/ with the mutation applied.
    const args = process.argv.slice(2).filter((arg, i, all) => arg !== '--mutation' && all[i - 1] !== '--mutation' && !arg.startsWith('--mutation='));
    return (await runInMutant(values.mutation, args, true)).code;
  }
  return runSeeds(options);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
