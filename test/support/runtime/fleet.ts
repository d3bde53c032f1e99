import { LambdaContainer, type ContainerStats, type InvocationResult, type LambdaContainerOptions } from './lambda-container';

/**
 * Several containers of one function, as Lambda scales a function out: each its own
 * process and Runtime API, frozen between its invocations. For the benchmark's freeze
 * mode and the runtime tier's cross-container scenarios.
 *
 * @example
 *   const fleet = await startFleet(3, { asset: locateTokenFunction(synthesizeApp()), environment });
 *   const result = await fleet.invoke(0, {});
 *   console.log(fleet.stats());
 *   await fleet.stop();
 */
export interface Fleet {
  readonly containers: readonly LambdaContainer[];
  /** Invokes container `index` (modulo the fleet's size). */
  invoke(index: number, event: unknown): Promise<InvocationResult>;
  /** The containers' counters, summed. */
  stats(): ContainerStats;
  stop(): Promise<void>;
}

export async function startFleet(count: number, options: LambdaContainerOptions): Promise<Fleet> {
  const containers = await Promise.all(Array.from({ length: count }, (_, i) => LambdaContainer.start({ ...options, label: `${options.label ?? 'c'}${i + 1}` })));
  return {
    containers,
    invoke: (index, event) => (containers[index % count] as LambdaContainer).invoke(event),
    stats: () => {
      const total = { invocations: 0, coldStarts: 0, freezes: 0, frozenMs: 0, timeouts: 0, resets: 0 };
      for (const stats of containers.map((c) => c.stats())) {
        for (const name of Object.keys(total) as (keyof ContainerStats)[]) total[name] += stats[name];
      }
      return total;
    },
    stop: async () => {
      await Promise.all(containers.map((c) => c.stop()));
    },
  };
}
