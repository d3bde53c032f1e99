/**
 * The cold-start scenario's arithmetic and tables: medians and 90th percentiles per candidate,
 * and each candidate's excess over a baseline as the median of per-repetition differences
 * (both measured in the same round, so that a round slowed by the machine's other work
 * weighs on both sides of the difference).
 */
import type { ColdStartSample } from './cold-start';
import { percentile } from './report';

type Metric = keyof ColdStartSample;

/** The median of `candidate[i] - baseline[i]` over the rounds both ran. */
export function pairedExcess(candidate: readonly number[], baseline: readonly number[]): number {
  if (candidate.length !== baseline.length) throw new Error(`Paired samples differ in number (${candidate.length} and ${baseline.length}).`);
  return percentile(
    candidate.map((value, i) => value - baseline[i]!),
    50,
  );
}

export interface CandidateSummary {
  readonly name: string;
  readonly median: Readonly<Record<Metric, number>>;
  readonly p90: Readonly<Record<Metric, number>>;
  /** Median per-round difference to the baseline, for each metric. */
  readonly excess: Readonly<Record<Metric, number>>;
}

const METRICS: readonly Metric[] = ['initMs', 'firstMs', 'initCpuMs', 'firstCpuMs', 'initWaitMs'];

function perMetric(compute: (metric: Metric) => number): Record<Metric, number> {
  return Object.fromEntries(METRICS.map((metric) => [metric, compute(metric)])) as Record<Metric, number>;
}

/** Summaries of every candidate, excess taken over `baseline` (one of the names). */
export function summarize(samples: ReadonlyMap<string, readonly ColdStartSample[]>, baseline: string): CandidateSummary[] {
  const base = samples.get(baseline);
  if (!base) throw new Error(`No samples of the baseline ${baseline}.`);
  return [...samples].map(([name, runs]) => {
    const values = (metric: Metric) => runs.map((run) => run[metric]);
    return {
      name,
      median: perMetric((metric) => percentile(values(metric), 50)),
      p90: perMetric((metric) => percentile(values(metric), 90)),
      excess: perMetric((metric) =>
        pairedExcess(
          values(metric),
          base.map((run) => run[metric]),
        ),
      ),
    };
  });
}

const ms = (value: number) => value.toFixed(0);
const signed = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(0)}`;

/**
 * A Markdown table of the summaries: wall-clock init and first invocation (median / p90, and
 * over the baseline), then the process's CPU time, which the machine's other work disturbs less.
 */
export function formatColdStartTable(summaries: readonly CandidateSummary[], bundleBytes: ReadonlyMap<string, number>, baseline: string): string {
  const header = [
    'candidate',
    'bundle',
    'init median / p90',
    `init over ${baseline}`,
    'first invocation median / p90',
    `first over ${baseline}`,
    'CPU init / first',
    `CPU init over ${baseline}`,
    'waited for a CPU in init',
  ];
  const rows = summaries.map((s) => {
    const size = bundleBytes.get(s.name);
    const isBaseline = s.name === baseline;
    return [
      s.name,
      size === undefined ? '-' : `${(size / 1000).toFixed(0)} kB`,
      `${ms(s.median.initMs)} / ${ms(s.p90.initMs)} ms`,
      isBaseline ? '-' : `${signed(s.excess.initMs)} ms`,
      `${ms(s.median.firstMs)} / ${ms(s.p90.firstMs)} ms`,
      isBaseline ? '-' : `${signed(s.excess.firstMs)} ms`,
      `${ms(s.median.initCpuMs)} / ${ms(s.median.firstCpuMs)} ms`,
      isBaseline ? '-' : `${signed(s.excess.initCpuMs)} ms`,
      `${ms(s.median.initWaitMs)} ms`,
    ];
  });
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** "init +52 ms, first invocation 31 ms": what the function adds to a cold start, in one line. */
export function excessLine(summary: CandidateSummary, baseline: string): string {
  return (
    `${summary.name}: init ${signed(summary.excess.initMs)} ms over ${baseline} (CPU ${signed(summary.excess.initCpuMs)} ms), ` +
    `first invocation ${ms(summary.median.firstMs)} ms (${signed(summary.excess.firstMs)} ms over ${baseline}); medians of ${baseline}-paired rounds`
  );
}
