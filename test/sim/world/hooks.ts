/**
 * What the world tells its observers (the invariants) as a run goes: every answer, every change
 * to the table, every AWS and issuer attempt, the end of every step and of the run.
 */
import type { AwsAttempt } from '../models/aws-transport';
import type { TableEvent } from '../models/dynamodb/table-model';
import type { IssuerAttempt } from '../models/wll-issuer';
import type { InvocationRecord } from './ledger';

export interface WorldHooks<W> {
  onSettled?(world: W, invocation: InvocationRecord): void;
  onTableEvent?(world: W, event: TableEvent, at: number): void;
  onAwsEnded?(world: W, attempt: AwsAttempt): void;
  onIssuerAttempt?(world: W, attempt: IssuerAttempt): void;
  onIssuerEnded?(world: W, attempt: IssuerAttempt): void;
  afterStep?(world: W): void;
  atEnd?(world: W): void;
}
