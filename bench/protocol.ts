/** Messages between the benchmark orchestrator and its container processes. */

export type ContainerCommand =
  | { readonly type: 'burst'; readonly calls: number }
  | { readonly type: 'steady'; readonly durationMs: number; readonly concurrency: number; readonly intervalMs: number };

export type Source = 'memory' | 'cache' | 'issuer' | 'waited' | 'error' | 'unknown';

export interface InvocationRecord {
  readonly ok: boolean;
  /** Where the answer came from; `waited`: from the table, after waiting on another container's lease. */
  readonly source: Source;
  readonly error?: string;
  readonly latencyMs: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

export type ContainerReply = { readonly type: 'ready' } | { readonly type: 'done'; readonly records: InvocationRecord[] };
