/**
 * Every invariant the simulation checks, in the order they are reported; docs/development.md
 * lists them with the contract line each one traces to.
 */
import { margin, namedErrorInTime, ownSetOnly, servableCallerWaitsLittle } from './answers';
import type { Invariant } from './invariant';
import { backoffsHonoured, lessonsRecorded, oneRequestAtATime, oneRequestPerLifetime } from './issuer-requests';
import { leaseLetGo, livenessAfterCalm, noSecretsInLogs, secretReadAgain } from './leases-and-secrets';
import { memoryMovesForward, tableMovesForward } from './memory-and-table';
import { countedOnce, paidTokenKept } from './mints';

export const INVARIANTS: readonly Invariant[] = [
  margin,
  ownSetOnly,
  namedErrorInTime,
  servableCallerWaitsLittle,
  tableMovesForward,
  memoryMovesForward,
  paidTokenKept,
  countedOnce,
  oneRequestAtATime,
  backoffsHonoured,
  lessonsRecorded,
  oneRequestPerLifetime,
  leaseLetGo,
  secretReadAgain,
  livenessAfterCalm,
  noSecretsInLogs,
];
