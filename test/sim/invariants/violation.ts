/**
 * A broken promise found in a run, and how a run treats it: a violation fails the run, unless it
 * is one of the known defects still open on another branch (test/sim/known-open.ts).
 */
import { SIMULATION_EPOCH_MS } from '../environment/virtual-time';

/**
 * Defects known to be in the code and fixed on another branch: a violation that matches one is
 * reported as a finding rather than failing the run, until test/sim/known-open.ts lets it go.
 */
export type KnownDefect = 'sdk-retry-lease-orphan' | 'sdk-retry-double-count' | 'early-refresh-spends-issuer-budget';

export class Violation extends Error {
  override readonly name = 'Violation';

  constructor(
    readonly invariant: string,
    readonly contract: string,
    readonly detail: string,
    readonly at: number,
    readonly known?: KnownDefect,
  ) {
    super(`[${invariant}] ${detail} (at ${((at - SIMULATION_EPOCH_MS) / 1000).toFixed(3)}s)`);
  }
}

/** How a run treats a violation of a known, still open defect. */
export interface RunPolicy {
  /** Known-open defects are findings (the run stops there, and passes) unless strict. */
  readonly knownOpen: ReadonlySet<string>;
  readonly strict: boolean;
  readonly findings: Violation[];
}
