import type { Deadline } from './deadline';

/**
 * Waits for `promise` until `deadline` at most: its value, or undefined when the deadline
 * came first (the promise goes on; whoever started it bounds it). No timer outlives the wait.
 */
export async function settledBy<T>(promise: Promise<T>, deadline: Deadline, nowMs: number): Promise<{ value: T } | undefined> {
  const timer: { id?: ReturnType<typeof setTimeout> } = {};
  const expired = new Promise<undefined>((resolve) => {
    timer.id = setTimeout(() => resolve(undefined), Math.max(0, deadline - nowMs));
  });
  try {
    return await Promise.race([promise.then((value) => ({ value })), expired]);
  } finally {
    clearTimeout(timer.id);
  }
}
