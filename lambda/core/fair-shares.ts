/**
 * Many jobs under one deadline, a few at a time, each with a deadline of its own: a job that
 * hangs until its own deadline cannot take the time of the jobs after it.
 */
import type { Deadline } from './deadline';

/**
 * Runs `job` for every item, at most `concurrency` at once, and gives each the share of the time
 * left that lets every job still waiting have as much: a job that starts while `k` jobs (itself
 * included) have not started yet may run until `now + (deadline - now) / ceil(k / concurrency)`.
 * With no more items than `concurrency`, every job gets the whole deadline; time a job does not
 * use goes to the jobs after it. Results come back in the order of `items`. A job that throws
 * does not stop the others; the first error is thrown once every job has ended, so no job
 * outlives the call.
 */
export async function runInFairShares<T, R>(
  items: readonly T[],
  options: { readonly deadline: Deadline; readonly concurrency: number; readonly now?: () => number },
  job: (item: T, deadline: Deadline) => Promise<R>,
): Promise<R[]> {
  const now = options.now ?? Date.now;
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const results: R[] = new Array<R>(items.length);
  const errors: unknown[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      const startedAt = now();
      const rounds = Math.ceil((items.length - index) / concurrency);
      const deadline = Math.min(options.deadline, startedAt + (options.deadline - startedAt) / rounds);
      try {
        results[index] = await job(items[index]!, deadline);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (errors.length > 0) throw errors[0];
  return results;
}
