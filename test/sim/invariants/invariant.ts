/**
 * What an invariant is: a promise of the contract, traced to its line, checked on the events
 * of a run as they happen, after every step, and at the end. A broken one throws a Violation.
 */
import { trueNow } from '../environment/virtual-time';
import type { WorldHooks } from '../world/hooks';
import type { World } from '../world/world';
import { Violation, type KnownDefect } from './violation';

export interface Invariant extends WorldHooks<World> {
  /** A short name, printed with a violation. */
  readonly id: string;
  /** The contract's words it checks (CONTRACT.md or docs/protocol.md). */
  readonly contract: string;
}

/** Throws a violation of `invariant` found now. */
export function violated(invariant: Invariant, detail: string, known?: KnownDefect): never {
  throw new Violation(invariant.id, invariant.contract, detail, trueNow(), known);
}
