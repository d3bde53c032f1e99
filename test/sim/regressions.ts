/**
 * Regression cases: shrunk runs the simulation once failed on, kept as data in
 * test/sim/regressions/*.json (the deployment and the steps, not a seed, so they replay
 * whatever the generator becomes). Every run replays them first and each must pass; a case
 * tagged with a mutation must fail inside that mutant, which shows it still catches the defect.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SimConfig } from './scenario/config';
import type { StepJson } from './scenario/step';
import { stepFromJson } from './scenario/steps';
import { runScenario } from './simulation';
import { Violation, type RunPolicy } from './invariants/violation';
import type { World } from './world/world';

export interface RegressionCase {
  /** The file's name without `.json`. */
  readonly name: string;
  /** What it found (the violation, in words). */
  readonly found: string;
  /** The mutation (test/sim/mutations) that puts the defect back, when there is one. */
  readonly mutation?: string;
  /** The seed that found it, and the command that replays the search. */
  readonly foundBy: string;
  readonly config: SimConfig;
  readonly steps: readonly StepJson[];
}

const FOLDER = resolve(__dirname, 'regressions');

export function regressionCases(): RegressionCase[] {
  return readdirSync(FOLDER)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ ...(JSON.parse(readFileSync(join(FOLDER, file), 'utf8')) as Omit<RegressionCase, 'name'>), name: file.slice(0, -'.json'.length) }));
}

/** Keeps a shrunk failure as a case (`path` absolute, so a mutant's run writes into the checkout). */
export function saveRegression(path: string, kept: Omit<RegressionCase, 'name'>): void {
  writeFileSync(path, `${JSON.stringify(kept, null, 2)}\n`);
}

/** Replays one case; the violation it meets, if any, and the world it ran in (for the trace). */
export async function replayRegression(kept: RegressionCase, policy: RunPolicy): Promise<{ violation?: Violation; world?: World }> {
  let world: World | undefined;
  try {
    await runScenario(kept.config, kept.steps.map(stepFromJson), policy, undefined, (w) => {
      world = w;
    });
    return { world };
  } catch (error) {
    if (error instanceof Violation) return { violation: error, world };
    throw error;
  }
}
