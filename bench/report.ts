import type { Observed } from './environment';
import type { InvocationRecord, Source } from './protocol';

export interface ScenarioResult {
  readonly scenario: string;
  /** e.g. "lease on, freeze". */
  readonly mode: string;
  readonly shape: string;
  /** Issuer requests in the measured window. */
  readonly issuerRequests: number;
  /** The measured invocations. */
  readonly records: readonly InvocationRecord[];
  /** Invocations before the measured window (a first token), whose answers count as served. */
  readonly setupRecords?: readonly InvocationRecord[];
  /** Everything observed outside the containers during the whole scenario, setup included. */
  readonly observed: Observed;
  /** The measured window (epoch ms). */
  readonly window: { readonly startMs: number; readonly endMs: number };
  /** The stand-in's token lifetime, when tokens expire inside the window. */
  readonly lifetimeSeconds?: number;
  /** Scenario-specific note, e.g. recovery time after a killed lease holder. */
  readonly note?: string;
}

const SOURCES: Source[] = ['memory', 'cache', 'issuer', 'waited'];

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Tokens the issuer minted that no caller was ever given and that never reached the
 * table: paid for, then thrown away (a quota spent for nothing).
 */
export function wastedTokens(result: Pick<ScenarioResult, 'records' | 'setupRecords' | 'observed'>): string[] {
  const served = new Set([...result.records, ...(result.setupRecords ?? [])].map((r) => r.tokenSha256));
  return result.observed.minted.map((t) => t.tokenSha256).filter((sha) => !served.has(sha) && !result.observed.stored.has(sha));
}

/** Issuer requests per token lifetime in the window, or '-' when no token expires in it. */
export function perLifetime(result: Pick<ScenarioResult, 'issuerRequests' | 'window' | 'lifetimeSeconds'>): string {
  if (!result.lifetimeSeconds) return '-';
  const lifetimes = (result.window.endMs - result.window.startMs) / (result.lifetimeSeconds * 1000);
  return (result.issuerRequests / lifetimes).toFixed(2);
}

/** "0", or the count with the reasons recorded, e.g. "2 (issuer_error)". */
function backoffCell(result: ScenarioResult): string {
  const { backoffs } = result.observed;
  if (backoffs.length === 0) return '0';
  return `${backoffs.length} (${[...new Set(backoffs.map((b) => b.reason))].join(', ')})`;
}

function latencyCell(records: readonly InvocationRecord[], source: Source): string {
  const latencies = records.filter((r) => r.ok && r.source === source).map((r) => r.latencyMs);
  if (latencies.length === 0) return '-';
  return `${latencies.length} @ ${percentile(latencies, 50).toFixed(0)}/${percentile(latencies, 99).toFixed(0)}`;
}

/** "0", or the count with the error names, e.g. "3 (IssuerError)". */
function failedCell(records: readonly InvocationRecord[]): string {
  const failed = records.filter((r) => !r.ok);
  if (failed.length === 0) return '0';
  return `${failed.length} (${[...new Set(failed.map((r) => r.error ?? 'unknown'))].join(', ')})`;
}

/** A Markdown table: one row per scenario and mode, latency as "count @ p50/p99 ms" by source. */
export function formatTable(results: readonly ScenarioResult[]): string {
  const header = [
    'scenario',
    'mode',
    'containers x calls',
    'invocations',
    'failed',
    'issuer requests',
    'per lifetime',
    'wasted',
    'back-offs',
    ...SOURCES,
    'note',
  ];
  const rows = results.map((r) => [
    r.scenario,
    r.mode,
    r.shape,
    String(r.records.length),
    failedCell(r.records),
    String(r.issuerRequests),
    perLifetime(r),
    String(wastedTokens(r).length),
    backoffCell(r),
    ...SOURCES.map((source) => latencyCell(r.records, source)),
    r.note ?? '',
  ]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
