/** Messages between the benchmark orchestrator and its container processes. */

export type ContainerCommand =
  /** `calls` invocations at once in one process (as on Lambda Managed Instances). */
  | { readonly type: 'burst'; readonly calls: number }
  /** `concurrency` loops in one process, each invoking every `intervalMs` for `durationMs`. */
  | { readonly type: 'steady'; readonly durationMs: number; readonly concurrency: number; readonly intervalMs: number }
  /** One invocation, as standard Lambda hands them out: the orchestrator may freeze the process after it. */
  | { readonly type: 'invoke' };

export type Source = 'memory' | 'cache' | 'issuer' | 'waited' | 'error' | 'unknown';

export interface InvocationRecord {
  readonly ok: boolean;
  /** Where the answer came from; `waited`: from the table, after waiting on another container's lease. */
  readonly source: Source;
  readonly error?: string;
  readonly latencyMs: number;
  readonly startedAt: number;
  readonly endedAt: number;
  /** Hex SHA-256 of the token answered (never the token itself), to tell served tokens from wasted ones. */
  readonly tokenSha256?: string;
}

export type ContainerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly records: InvocationRecord[] }
  | { readonly type: 'answer'; readonly record: InvocationRecord };
