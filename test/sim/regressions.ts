/**
 * Seeds the simulation once failed on, run first by every CI run so what they found stays fixed.
 * `path` and `replayPath` replay the shrunk case (fast-check); without them the whole seed runs.
 */
export interface RegressionSeed {
  readonly seed: number;
  readonly path?: string;
  readonly replayPath?: string;
  readonly steps?: number;
  /** What it found, for the reader. */
  readonly found: string;
}

export const REGRESSION_SEEDS: readonly RegressionSeed[] = [];
