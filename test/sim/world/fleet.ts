/**
 * Lambda's routing over the simulated containers: an invocation goes to the slot it names if
 * that container can take it, else to another warm one that can, else to a new container (a cold
 * start) in a free slot; with every slot busy, Lambda throttles it. A killed or timed-out
 * container's slot gets a new container (a new generation) on its next invocation.
 */
import { SimContainer, type ContainerWorld } from '../lambda/container';

export class Fleet {
  private readonly slots: (SimContainer | undefined)[];
  private readonly generations: number[];
  /** Invocations routed to a container that have not begun yet (a cold start is under way). */
  private readonly reserved = new Map<SimContainer, number>();

  constructor(
    private readonly world: ContainerWorld,
    private readonly skewsMs: readonly number[],
    private readonly concurrency: number,
    slots: number,
  ) {
    this.slots = Array.from({ length: slots }, () => undefined);
    this.generations = Array.from({ length: slots }, () => 0);
  }

  /** The container that takes an invocation aimed at `slot`, or undefined when Lambda throttles it. */
  route(slot: number): SimContainer | undefined {
    const order = this.slots.map((_, i) => (slot + i) % this.slots.length);
    const canTake = (c: SimContainer | undefined): c is SimContainer => c !== undefined && c.alive && c.active + (this.reserved.get(c) ?? 0) < c.concurrency;
    const warm = order.map((i) => this.slots[i]).find(canTake);
    const chosen = warm ?? this.coldStart(order);
    if (chosen) this.reserved.set(chosen, (this.reserved.get(chosen) ?? 0) + 1);
    return chosen;
  }

  /** The routed invocation begins (or was dropped with its container). */
  begun(container: SimContainer): void {
    this.reserved.set(container, Math.max(0, (this.reserved.get(container) ?? 0) - 1));
  }

  private coldStart(order: number[]): SimContainer | undefined {
    const free = order.find((i) => !this.slots[i]?.alive);
    if (free === undefined) return undefined;
    this.generations[free]! += 1;
    const generation = this.generations[free]!;
    const name = generation === 1 ? `c${free + 1}` : `c${free + 1}.${generation}`;
    const container = new SimContainer(name, free, this.skewsMs[free] ?? 0, this.concurrency, this.world);
    this.slots[free] = container;
    return container;
  }

  /** The live container in `slot`, if any. */
  at(slot: number): SimContainer | undefined {
    const container = this.slots[slot];
    return container?.alive ? container : undefined;
  }

  /** Every container ever started that is still alive. */
  alive(): SimContainer[] {
    return this.slots.filter((c): c is SimContainer => c !== undefined && c.alive);
  }

  /** Skews by container name, for the trace. */
  skewOf(name: string): number | undefined {
    const slot = Number(/^c(\d+)/.exec(name)?.[1]) - 1;
    return Number.isInteger(slot) ? this.skewsMs[slot] : undefined;
  }
}
