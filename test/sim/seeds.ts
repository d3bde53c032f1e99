/**
 * Runs seeds through fast-check and reports: one line per seed; for a failing seed the
 * violated invariant and its contract line, the shrunk steps, the readable trace of the shrunk
 * run, and the one command that replays it. Seeds may be split over worker processes.
 */
import { spawn } from 'node:child_process';
import fc from 'fast-check';
import { KNOWN_OPEN } from './known-open';
import { regressionCases, replayRegression, saveRegression } from './regressions';
import { prepareSimulation, runScenario, simulationProperty } from './simulation';
import { Violation } from './invariants/violation';
import { INVARIANTS } from './invariants/all';
import type { Invariant } from './invariants/invariant';
import type { SimModel, Step } from './scenario/step';
import type { RunPolicy } from './invariants/violation';
import type { SimConfig } from './scenario/config';
import type { World } from './world/world';
import { seconds } from './world/trace';
import { SIMULATION_EPOCH_MS, trueNow } from './environment/virtual-time';
import { MUTANT_VARIABLE } from './mutations/mutant-variable';

export interface SeedsOptions {
  readonly first: number;
  readonly count: number;
  readonly maxSteps: number;
  readonly path?: string;
  readonly replayPath?: string;
  readonly strict: boolean;
  readonly regressions: boolean;
  readonly workers: number;
  readonly stopAtFirst: boolean;
  readonly quiet: boolean;
  readonly mutation?: string;
  /** Stop shrinking a failure after this long (the best case so far is reported); undefined: no limit. */
  readonly shrinkSeconds?: number;
  readonly noShrink?: boolean;
  /** Keep a shrunk failure as a regression case at this (absolute) path. */
  readonly saveRegression?: string;
  /** Check only these invariants (by id), to look for one kind of defect. */
  readonly only?: readonly string[];
}

export interface SeedOutcome {
  readonly seed: number;
  readonly failed: boolean;
  readonly violation?: Violation;
  readonly finding?: Violation;
  readonly steps: number;
  readonly invocations: number;
  readonly virtualMs: number;
  readonly wallMs: number;
  readonly shrunkSteps?: number;
  /** False when the failure was not shrunk (--no-shrink): `shrunkSteps` is then the steps that ran. */
  readonly shrunk?: boolean;
  readonly replay?: string;
  readonly report?: string;
}

/** Checks one seed: one generated run, shrunk if it fails. */
export async function checkSeed(
  seed: number,
  options: Pick<SeedsOptions, 'maxSteps' | 'path' | 'replayPath' | 'strict' | 'mutation' | 'shrinkSeconds' | 'noShrink' | 'saveRegression' | 'only'>,
): Promise<SeedOutcome> {
  await prepareSimulation();
  const policy: RunPolicy = { knownOpen: KNOWN_OPEN, strict: options.strict, findings: [] };
  let first: World | undefined;
  const started = performance.now();
  const details = await fc.check(
    simulationProperty({ maxCommands: options.maxSteps, replayPath: options.replayPath, shrinkMs: options.shrinkSeconds === undefined ? undefined : options.shrinkSeconds * 1000, invariants: chosenInvariants(options.only) }, policy, (world) => {
      first ??= world;
    }),
    {
      seed,
      numRuns: 1,
      path: options.path,
      endOnFailure: options.path !== undefined || options.noShrink === true,
    },
  );
  const wallMs = performance.now() - started;
  if (!details.failed) {
    return { seed, failed: false, finding: policy.findings[0], steps: first?.step ?? 0, invocations: first?.ledger.invocations.length ?? 0, virtualMs: (first ? lastTime(first) : 0) - SIMULATION_EPOCH_MS, wallMs };
  }
  const violation = details.errorInstance instanceof Violation ? details.errorInstance : undefined;
  const [[config, steps]] = details.counterexample as [[SimConfig, Iterable<fc.AsyncCommand<SimModel, World>>]];
  // fast-check's commands print their replay path with themselves.
  const replayPath = /replayPath="([^"]*)"/.exec((steps as unknown as { toString(): string }).toString())?.[1];
  const replay = ['npm run sim --', `--seed ${seed}`, `--path ${details.counterexamplePath}`, replayPath ? `--replay-path ${replayPath}` : '', `--steps ${options.maxSteps}`, options.strict ? '--strict' : '', options.mutation ? `--mutation ${options.mutation}` : '']
    .filter(Boolean)
    .join(' ');
  const report = await describeFailure(config, steps, policy, details.errorInstance, chosenInvariants(options.only));
  const shrunkSteps = [...steps].filter((s) => (s as { hasRan?: boolean }).hasRan !== false).length;
  if (options.saveRegression) {
    // fast-check hands back its wrappers of the commands; the steps are inside.
    const data = [...steps].map((s) => ((s as { cmd?: Step }).cmd ?? (s as Step)).toJSON());
    const found = violation?.message ?? String(details.errorInstance);
    saveRegression(options.saveRegression, { found, mutation: options.mutation, foundBy: `seed ${seed}, shrunk to ${shrunkSteps} steps (${replay})`, config, steps: data });
  }
  return { seed, failed: true, violation, steps: shrunkSteps, invocations: 0, virtualMs: 0, wallMs, shrunkSteps, shrunk: !options.noShrink, replay, report };
}

function lastTime(world: World): number {
  return Math.max(SIMULATION_EPOCH_MS, ...world.ledger.invocations.map((i) => i.settledAt ?? i.startedAt));
}

/** Runs the shrunk case once more to print its steps and its trace. */
async function describeFailure(config: SimConfig, steps: Iterable<fc.AsyncCommand<SimModel, World>>, policy: RunPolicy, error: unknown, invariants: readonly Invariant[]): Promise<string> {
  const lines: string[] = [];
  const what = error instanceof Violation ? `invariant ${error.invariant} violated: ${error.detail}\n  contract: ${error.contract}` : `the simulation itself failed: ${String((error as Error)?.stack ?? error)}`;
  lines.push(what);
  lines.push(`deployment: ${describeConfig(config)}`);
  const list = [...steps].map((s) => String(s));
  lines.push(`steps (${list.length}):`, ...list.map((s, i) => `  ${i + 1}. ${s}`));
  let world: World | undefined;
  try {
    world = await runScenario(config, replayable(steps), { ...policy, findings: [] }, invariants, (w) => {
      world = w;
    });
  } catch (rerun) {
    // The violation again: the trace below is the run's. Anything else is the simulation's own failure.
    if (!(rerun instanceof Violation)) lines.push(`(the replay failed: ${String((rerun as Error)?.stack ?? rerun)})`);
  }
  if (world) lines.push(`trace (true time since the start, step, container(clock skew), event); ended at ${seconds(trueNow() - SIMULATION_EPOCH_MS)}:`, world.trace.format());
  return lines.join('\n');
}

function replayable<T>(steps: Iterable<T>): Iterable<T> {
  return [...steps];
}

function describeConfig(config: SimConfig): string {
  const mode = config.concurrency > 1 ? `Managed Instances (${config.concurrency} at once)` : 'one invocation at a time, frozen in between';
  const sets = config.sets.map((s) => `${s.name}→${s.client} [${s.audiences.join(', ')}]`).join('; ');
  return [
    `${config.slots} container slot(s), ${mode}, clock skews ${config.skewsMs.slice(0, config.slots).map((s) => `${s} ms`).join(', ')}`,
    `tokens live ${config.lifetimeSeconds} s, margin ${config.marginSeconds} s, refresh ahead ratio ${config.refreshAheadRatio}, secret kept ${config.credentialsMaxAgeSeconds} s`,
    `sets: ${sets}`,
    config.faults ? 'faults allowed' : 'no faults',
    config.trafficEveryMs > 0 ? `background traffic: a call every ${config.trafficEveryMs} ms or so` : 'no background traffic',
    `step weights ${Object.entries(config.weights).map(([kind, weight]) => `${kind} ${weight}`).join(', ')}`,
  ].join('; ');
}

/** Runs the regression cases and then `count` seeds from `first`, reporting each. Returns the exit code. */
export async function runSeeds(options: SeedsOptions): Promise<number> {
  if (options.workers > 1 && options.count > 1) return runInWorkers(options);
  const started = performance.now();
  const regressionFailures = options.regressions ? await runRegressions(options) : 0;
  const jobs = Array.from({ length: options.count }, (_, i) => ({ seed: options.first + i, path: options.path, replayPath: options.replayPath, maxSteps: options.maxSteps, label: '' }));
  let failures = regressionFailures;
  let steps = 0;
  let invocations = 0;
  let virtualMs = 0;
  const findings: SeedOutcome[] = [];
  for (const job of jobs) {
    const outcome = await checkSeed(job.seed, { ...options, ...job });
    steps += outcome.steps;
    invocations += outcome.invocations;
    virtualMs += outcome.virtualMs;
    if (outcome.finding) findings.push(outcome);
    if (!options.quiet || outcome.failed) console.log(line(outcome, job.label));
    if (outcome.failed) {
      failures += 1;
      console.log(outcome.report);
      console.log(`\nreplay: ${outcome.replay}\n`);
      if (options.stopAtFirst) break;
    }
  }
  const wall = (performance.now() - started) / 1000;
  console.log(
    `\n${jobs.length} seed(s), ${failures} failed, ${findings.length} stopped on a known open defect; ${steps} steps and ${invocations} invocations ` +
      `over ${(virtualMs / 3_600_000).toFixed(1)} h of virtual time in ${wall.toFixed(1)} s (${(steps / wall).toFixed(1)} steps/s)`,
  );
  for (const finding of findings) console.log(`  known open: seed ${finding.seed}: ${finding.finding!.message}`);
  const summary: WorkerSummary = { seeds: jobs.length, failed: failures, steps, invocations, virtualMs, findings: findings.map((f) => `seed ${f.seed}: ${f.finding!.message}`) };
  console.log(`${SUMMARY_PREFIX}${JSON.stringify(summary)}`);
  return failures > 0 ? 1 : 0;
}

interface WorkerSummary {
  readonly seeds: number;
  readonly failed: number;
  readonly steps: number;
  readonly invocations: number;
  readonly virtualMs: number;
  readonly findings: readonly string[];
}

const SUMMARY_PREFIX = 'sim-summary ';

/** Splits the seeds over worker processes (one per core) and adds up what they report. */
async function runInWorkers(options: SeedsOptions): Promise<number> {
  const started = performance.now();
  const per = Math.ceil(options.count / options.workers);
  const runs = Array.from({ length: options.workers }, (_, i) => {
    const first = options.first + i * per;
    const count = Math.min(per, options.count - i * per);
    const args = ['--import', 'tsx', __filename.replace(/seeds\.ts$/, 'run.ts'), '--from', String(first), '--seeds', String(count), '--steps', String(options.maxSteps), '--workers', '1'];
    if (i > 0 || !options.regressions) args.push('--no-regressions');
    if (options.strict) args.push('--strict');
    if (options.quiet) args.push('--quiet');
    if (options.stopAtFirst) args.push('--stop-at-first');
    if (options.noShrink) args.push('--no-shrink');
    if (options.shrinkSeconds !== undefined) args.push('--shrink-seconds', String(options.shrinkSeconds));
    if (options.only) args.push('--only', options.only.join(','));
    return count > 0 ? worker(args) : Promise.resolve(undefined);
  });
  const summaries = (await Promise.all(runs)).filter((s): s is WorkerSummary => s !== undefined);
  const total = summaries.reduce((a, b) => ({ seeds: a.seeds + b.seeds, failed: a.failed + b.failed, steps: a.steps + b.steps, invocations: a.invocations + b.invocations, virtualMs: a.virtualMs + b.virtualMs, findings: [...a.findings, ...b.findings] }));
  const wall = (performance.now() - started) / 1000;
  console.log(
    `\nall workers: ${total.seeds} seed(s), ${total.failed} failed, ${total.findings.length} stopped on a known open defect; ${total.steps} steps and ${total.invocations} invocations ` +
      `over ${(total.virtualMs / 3_600_000).toFixed(1)} h of virtual time in ${wall.toFixed(1)} s on ${options.workers} workers (${(total.steps / wall).toFixed(1)} steps/s)`,
  );
  return total.failed > 0 || summaries.length < runs.length ? 1 : 0;
}

function worker(args: string[]): Promise<WorkerSummary | undefined> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let summary: WorkerSummary | undefined;
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const text of lines) {
        if (text.startsWith(SUMMARY_PREFIX)) summary = JSON.parse(text.slice(SUMMARY_PREFIX.length)) as WorkerSummary;
        else console.log(text);
      }
    });
    child.on('close', () => done(summary));
  });
}

/**
 * Replays the regression cases: each must pass. Inside a mutant, only the cases kept for that
 * mutation run, and each must fail: it still catches the defect the mutation puts back.
 */
async function runRegressions(options: SeedsOptions): Promise<number> {
  await prepareSimulation();
  const mutant = process.env[MUTANT_VARIABLE];
  let failures = 0;
  for (const kept of regressionCases().filter((c) => mutant === undefined || c.mutation === mutant)) {
    const { violation, world } = await replayRegression(kept, { knownOpen: new Set(), strict: true, findings: [] });
    if (mutant !== undefined) {
      if (violation) console.log(`regression ${kept.name}: caught under this mutation: ${violation.message}`);
      else console.log(`regression ${kept.name}: NOT caught under this mutation`);
      continue;
    }
    if (!violation) {
      if (!options.quiet) console.log(`regression ${kept.name}: ok (${kept.found.slice(0, 120)})`);
      continue;
    }
    failures += 1;
    console.log(`regression ${kept.name}: FAILED ${violation.message}\n  contract: ${violation.contract}\n  first found by ${kept.foundBy}`);
    if (world) console.log(world.trace.format());
  }
  return failures;
}

/** The invariants named by `--only`, or all of them. */
function chosenInvariants(only: readonly string[] | undefined): readonly Invariant[] {
  if (!only) return INVARIANTS;
  const unknown = only.filter((id) => !INVARIANTS.some((i) => i.id === id));
  if (unknown.length > 0) throw new Error(`--only names no invariant ${unknown.join(', ')}: the ids are ${INVARIANTS.map((i) => i.id).join(', ')}`);
  return INVARIANTS.filter((i) => only.includes(i.id));
}

function line(outcome: SeedOutcome, label: string): string {
  const tag = label ? ` (${label})` : '';
  const known = outcome.violation?.known ? ` [${outcome.violation.known}]` : '';
  const steps = outcome.shrunk === false ? `${outcome.shrunkSteps} steps, not shrunk` : `shrunk to ${outcome.shrunkSteps} steps`;
  if (outcome.failed) return `seed ${outcome.seed}${tag}: FAILED ${outcome.violation?.message ?? ''}${known} (${steps}, ${(outcome.wallMs / 1000).toFixed(1)} s)`;
  const finding = outcome.finding ? `; stopped on known open defect ${outcome.finding.known}: ${outcome.finding.message}` : '';
  return `seed ${outcome.seed}${tag}: ok, ${outcome.steps} steps, ${outcome.invocations} invocations, ${seconds(outcome.virtualMs)} virtual in ${(outcome.wallMs / 1000).toFixed(1)} s${finding}`;
}
