import type { InvocationRecord, Source } from './protocol';

export interface ScenarioResult {
  readonly scenario: string;
  readonly mode: 'lease on' | 'lease off';
  readonly shape: string;
  readonly issuerRequests: number;
  readonly records: readonly InvocationRecord[];
  /** Scenario-specific note, e.g. recovery time after a killed lease holder. */
  readonly note?: string;
}

const SOURCES: Source[] = ['memory', 'cache', 'issuer', 'waited'];

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function latencyCell(records: readonly InvocationRecord[], source: Source): string {
  const latencies = records.filter((r) => r.ok && r.source === source).map((r) => r.latencyMs);
  if (latencies.length === 0) return '-';
  return `${latencies.length} @ ${percentile(latencies, 50).toFixed(0)}/${percentile(latencies, 99).toFixed(0)}`;
}

/** A Markdown table: one row per scenario and mode, latency as "count @ p50/p99 ms" by source. */
export function formatTable(results: readonly ScenarioResult[]): string {
  const header = ['scenario', 'mode', 'containers x calls', 'invocations', 'failed', 'issuer requests', ...SOURCES, 'note'];
  const rows = results.map((r) => [
    r.scenario,
    r.mode,
    r.shape,
    String(r.records.length),
    String(r.records.filter((x) => !x.ok).length),
    String(r.issuerRequests),
    ...SOURCES.map((source) => latencyCell(r.records, source)),
    r.note ?? '',
  ]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
