/**
 * Steps that call the function: one caller, a burst of callers at once, the schedule; and the
 * step that only lets time pass.
 */
import { advance } from '../environment/virtual-time';
import { startInvocation } from '../world/invocations';
import type { InvocationKind } from '../world/ledger';
import type { World } from '../world/world';
import { Step, stopOrThrow, type SimModel, type StepJson } from './step';

function setOf(world: World, index: number) {
  return world.config.sets[index % world.config.sets.length]!;
}

export class Call extends Step {
  protected readonly fault = false;
  constructor(
    readonly slot: number,
    readonly set: number,
    readonly audience: number,
    readonly kind: 'get' | 'force' | 'refused',
    gapMs: number,
  ) {
    super(gapMs);
  }
  protected act(world: World): void {
    invoke(world, this.slot, this.set, this.audience, this.kind);
  }
  toJSON(): StepJson {
    return { step: 'call', args: [this.slot, this.set, this.audience, this.kind, this.gapMs] };
  }
  toString(): string {
    return `call(slot ${this.slot + 1}, ${this.kind}, set #${this.set}, audience #${this.audience}, +${this.gapMs} ms)`;
  }
}

function invoke(world: World, slot: number, setIndex: number, audienceIndex: number, kind: InvocationKind): void {
  const set = setOf(world, setIndex);
  const audience = set.audiences[audienceIndex % set.audiences.length]!;
  const replaces = kind === 'refused' ? world.lastAnswered.get(`${set.name} ${audience}`) : undefined;
  startInvocation(world, { slot: slot % world.config.slots, set: set.name, audience, kind: kind === 'refused' && !replaces ? 'get' : kind, replaces });
}

/** Several callers at once: on one slot (a Managed Instance takes them together) or spread over the slots. */
export class Burst extends Step {
  protected readonly fault = false;
  constructor(
    readonly kinds: readonly ('get' | 'force' | 'refused' | 'scheduled')[],
    readonly set: number,
    readonly spread: boolean,
    gapMs: number,
  ) {
    super(gapMs);
  }
  protected act(world: World): void {
    this.kinds.forEach((kind, i) => {
      const slot = this.spread ? i : 0;
      if (kind === 'scheduled') startInvocation(world, { slot: slot % world.config.slots, set: setOf(world, this.set).name, audience: setOf(world, this.set).audiences[0]!, kind });
      else invoke(world, slot, this.set, 0, kind);
    });
  }
  toJSON(): StepJson {
    return { step: 'burst', args: [this.kinds, this.set, this.spread, this.gapMs] };
  }
  toString(): string {
    return `burst(${this.kinds.join(' ')}, set #${this.set}, ${this.spread ? 'spread over the slots' : 'on slot 1'}, +${this.gapMs} ms)`;
  }
}

export class Scheduled extends Step {
  protected readonly fault = false;
  constructor(
    readonly slot: number,
    gapMs: number,
  ) {
    super(gapMs);
  }
  protected act(world: World): void {
    startInvocation(world, { slot: this.slot % world.config.slots, set: world.config.sets[0]!.name, audience: world.config.sets[0]!.audiences[0]!, kind: 'scheduled' });
  }
  toJSON(): StepJson {
    return { step: 'scheduled', args: [this.slot, this.gapMs] };
  }
  toString(): string {
    return `scheduled(slot ${this.slot + 1}, +${this.gapMs} ms)`;
  }
}

/** Time passes: a share of the token lifetime (so runs cross refresh windows whatever the lifetime). */
export class Wait extends Step {
  protected readonly fault = false;
  constructor(readonly share: number) {
    super(0);
  }
  override async run(model: SimModel, world: World): Promise<void> {
    world.step += 1;
    world.note('world', () => `time passes: ${Math.round(this.share * 100)}% of a token lifetime`);
    await advance(Math.round(this.share * world.config.lifetimeSeconds * 1000));
    world.checkEach((invariant) => invariant.afterStep?.(world));
    stopOrThrow(model, world);
  }
  protected act(): void {}
  toJSON(): StepJson {
    return { step: 'wait', args: [this.share] };
  }
  toString(): string {
    return `wait(${Math.round(this.share * 100)}% of a lifetime)`;
  }
}

