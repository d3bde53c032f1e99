/**
 * What a step of a run is: a fast-check model-based command that acts on the world, lets
 * virtual time run for its gap, and has the invariants checked; and, as plain data, what a
 * regression case keeps of it.
 */
import type fc from 'fast-check';
import { advance } from '../environment/virtual-time';
import type { World } from '../world/world';

/** A step as data. */
export interface StepJson {
  readonly step: 'call' | 'burst' | 'scheduled' | 'wait' | 'kill' | 'wire' | 'issuer' | 'storm' | 'rotate';
  readonly args: readonly unknown[];
}

/** What fast-check's model holds: whether the run stopped on a known defect, and whether faults are allowed. */
export interface SimModel {
  stopped: boolean;
  readonly faults: boolean;
}

export abstract class Step implements fc.AsyncCommand<SimModel, World> {
  protected abstract readonly fault: boolean;

  constructor(readonly gapMs: number) {}

  check(model: Readonly<SimModel>): boolean {
    return !model.stopped && (model.faults || !this.fault);
  }

  async run(model: SimModel, world: World): Promise<void> {
    world.step += 1;
    this.act(world);
    await advance(this.gapMs);
    world.checkEach((invariant) => invariant.afterStep?.(world));
    stopOrThrow(model, world);
  }

  protected abstract act(world: World): void;
  abstract toString(): string;
  /** The step as data, for a regression case (see stepFromJson). */
  abstract toJSON(): StepJson;
}

/** After a step: a violation fails the run, unless it is a known open defect (then the run stops and says so). */
export function stopOrThrow(model: SimModel, world: World): void {
  const violation = world.violations[0];
  if (!violation) return;
  const policy = world.policy;
  if (violation.known && policy.knownOpen.has(violation.known) && !policy.strict) {
    policy.findings.push(violation);
    model.stopped = true;
    return;
  }
  throw violation;
}

