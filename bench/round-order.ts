/**
 * The order in which a benchmark round runs its candidates: shuffled anew each round from a
 * fixed seed, so that no candidate always runs first after the machine was idle, nor always
 * right after the same neighbour, and a run can be repeated exactly.
 */

/** A new permutation of 0..count-1 at every call (Fisher-Yates over a seeded mulberry32). */
export function roundOrders(count: number, seed = 27): () => number[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return () => {
    const order = Array.from({ length: count }, (_, i) => i);
    for (let i = count - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    return order;
  };
}
