/**
 * `npm run sim`: the deterministic simulation of the refresh protocol (docs/development.md#the-simulation).
 *
 *   npm run sim                          the CI run: the regression cases and seeds 1..300, then
 *                                        every mutation must be caught within those seeds
 *   npm run sim -- --seeds 2000          a longer soak (--from S to start elsewhere)
 *   npm run sim -- --seed 7 --path 0:3 --replay-path AB   replays one shrunk failure, with its trace
 *   npm run sim -- --mutation NAME ...   the same, on a copy of lambda/ with a fixed defect put back
 *   npm run sim -- --mutations           the mutation check alone
 *   npm run sim -- --only lease-let-go   checks one invariant (to look for one kind of defect)
 *   npm run sim -- --strict              known open defects fail the run instead of being reported
 */
import { resolve } from 'node:path';
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
    'save-regression': { type: 'string' },
    only: { type: 'string' },
  },
  strict: true,
});

/** The CI run: this many seeds of at most this many steps each (see docs/development.md#the-simulation for the time it takes). */
const CI_SEEDS = 300;
const CI_STEPS = 100;

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
    saveRegression: values['save-regression'] === undefined ? undefined : resolve(values['save-regression']),
    only: values.only?.split(','),
    shrinkSeconds: values['shrink-seconds'] === undefined ? (values.seed === undefined ? 60 : undefined) : Number(values['shrink-seconds']),
  };
  // A mutant only has to be caught: it is not shrunk unless asked.
  const mutationOptions = { ...options, noShrink: values['shrink-seconds'] === undefined || options.noShrink };
  if (values.mutations) return runMutations(mutationOptions);
  const ci = ['seeds', 'from', 'seed', 'mutation', 'only'].every((name) => values[name as keyof typeof values] === undefined);
  if (ci) {
    const seeds = await runSeeds({ ...options, quiet: true });
    const caught = await runMutations(mutationOptions);
    return Math.max(seeds, caught);
  }
  if (values.mutation !== undefined && process.env[MUTANT_VARIABLE] !== values.mutation) {
    // Run the same command inside a copy of lambda/ with the mutation applied.
    const args = process.argv.slice(2).filter((arg, i, all) => arg !== '--mutation' && all[i - 1] !== '--mutation' && !arg.startsWith('--mutation='));
    // A kept case is written into this checkout, not the mutant's copy.
    const save = args.indexOf('--save-regression');
    if (save >= 0 && args[save + 1] !== undefined) args[save + 1] = resolve(args[save + 1]!);
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
