/**
 * Everything a run observed, in order: invocations and their answers, every AWS and issuer
 * attempt, every change to the table, the log lines. The invariants read it; the trace prints it.
 */
import type { VendedToken } from '../../../lambda/protocol/token-service';
import type { AwsAttempt } from '../models/aws-transport';
import type { TableEvent } from '../models/dynamodb/table-model';
import type { IssuerAttempt, Mint } from '../models/wll-issuer';
import type { LogLine } from '../lambda/recording-telemetry';

export type InvocationKind = 'get' | 'force' | 'refused' | 'scheduled' | 'probe';

export type InvocationOutcome =
  | { readonly kind: 'token'; readonly token: VendedToken; readonly mint?: Mint }
  | { readonly kind: 'error'; readonly error: unknown; readonly name: string; readonly message: string }
  | { readonly kind: 'scheduled'; readonly errors: readonly { readonly set: string; readonly name: string; readonly message: string }[] }
  /** The simulation killed the container mid-invocation (not the function's doing). */
  | { readonly kind: 'killed' }
  /** Lambda's own timeout: the function did not answer in time. */
  | { readonly kind: 'timeout' };

export interface InvocationRecord {
  readonly id: number;
  readonly step: number;
  readonly container: string;
  readonly set: string;
  readonly audience: string;
  readonly kind: InvocationKind;
  /** For `refused`: the token the caller reports refused. */
  readonly replaces?: Mint;
  /** True time when the handler started, and the deadline the handler computed by the container's clock. */
  readonly startedAt: number;
  readonly deadlineMs: number;
  /** The token key the call used (the credentials in hand when it ended). */
  readonly key?: string;
  /** A token the container held in memory for that key, servable by its clock, when the call began. */
  readonly heldServable?: Mint;
  /** For `refused`: the reported token was in the container's memory for `key` when the call began. */
  readonly replacesWasCurrent?: boolean;
  settledAt?: number;
  outcome?: InvocationOutcome;
}

/** A change (or failed condition) in the table, with when it happened and the SDK attempt that caused it. */
export type TableRecord = TableEvent & { readonly at: number; readonly attempt?: AwsAttempt };

export class Ledger {
  readonly invocations: InvocationRecord[] = [];
  readonly aws: AwsAttempt[] = [];
  readonly issuer: IssuerAttempt[] = [];
  readonly table: TableRecord[] = [];
  readonly logs: (LogLine & { readonly at: number })[] = [];
  /** Container names killed by the simulation, with when. */
  readonly kills = new Map<string, number>();
  private readonly mintsByToken = new Map<string, Mint>();

  addMint(mint: Mint): void {
    this.mintsByToken.set(mint.accessToken, mint);
  }

  /** The mint record of a token string, if WLL (the model) minted it. */
  mintOf(accessToken: string): Mint | undefined {
    return this.mintsByToken.get(accessToken);
  }

  /** The attempts of one SDK call (all share its invocation id), in order. */
  callAttempts(invocationId: string): AwsAttempt[] {
    return this.aws.filter((a) => a.invocationId === invocationId);
  }
}
