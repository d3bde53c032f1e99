import { runInFairShares } from '../../../lambda/core/fair-shares';

// Many jobs under one deadline (the scheduled refresh of up to 50 credential sets): each job runs
// within its own share, so jobs that hang until their own deadline leave the later ones theirs.
// Virtual time: jest's fake timers move Date.now() and the timers together.

const START = 1_800_000_000_000;

beforeEach(() => {
  jest.useFakeTimers({ now: START });
});

afterEach(() => {
  jest.useRealTimers();
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

interface Turn {
  readonly item: number;
  readonly startedAt: number;
  readonly deadline: number;
  endedAt?: number;
}

/** Runs `count` jobs of which `hangs(i)` wait until their own deadline and the others take `workMs`. */
async function run(count: number, options: { deadlineMs: number; concurrency: number; hangs: (item: number) => boolean; workMs: number }) {
  const turns: Turn[] = [];
  const items = Array.from({ length: count }, (_, i) => i);
  const done = runInFairShares(items, { deadline: START + options.deadlineMs, concurrency: options.concurrency }, async (item, deadline) => {
    const turn: Turn = { item, startedAt: Date.now(), deadline };
    turns.push(turn);
    await sleep(options.hangs(item) ? deadline - Date.now() : Math.min(options.workMs, deadline - Date.now()));
    turn.endedAt = Date.now();
    return item * 10;
  });
  await jest.runAllTimersAsync();
  return { results: await done, turns };
}

test('no more jobs than the concurrency: all start at once, each with the whole deadline', async () => {
  const { results, turns } = await run(3, { deadlineMs: 19_000, concurrency: 10, hangs: (i) => i < 2, workMs: 50 });

  expect(results).toEqual([0, 10, 20]);
  expect(turns.map((t) => [t.startedAt - START, t.deadline - START])).toEqual([
    [0, 19_000],
    [0, 19_000],
    [0, 19_000],
  ]);
  // The job after the two hung ones finished in its own time, not after theirs.
  expect(turns.find((t) => t.item === 2)!.endedAt! - START).toBe(50);
});

test('50 jobs, 10 at once, the first 20 hanging: every job gets its turn before the deadline, and the quick ones all finish', async () => {
  const { results, turns } = await run(50, { deadlineMs: 19_000, concurrency: 10, hangs: (i) => i < 20, workMs: 200 });

  expect(results).toHaveLength(50);
  expect(turns).toHaveLength(50);
  for (const turn of turns) {
    expect(turn.startedAt).toBeLessThan(START + 19_000);
    expect(turn.deadline).toBeLessThanOrEqual(START + 19_000);
    expect(turn.deadline - turn.startedAt).toBeGreaterThanOrEqual(3_000);
  }
  const quick = turns.filter((t) => t.item >= 20);
  for (const turn of quick) expect(turn.endedAt! - turn.startedAt).toBe(200);
  // Shares: a fifth of the time for the first ten (five rounds of ten), more for later jobs as time frees up.
  expect(turns.filter((t) => t.item < 10).map((t) => t.deadline - t.startedAt)).toEqual(Array(10).fill(3_800));
});

test('a job that throws does not stop the others; the first error comes once every job has ended', async () => {
  const ended: number[] = [];
  const done = runInFairShares([1, 2, 3], { deadline: START + 5_000, concurrency: 2 }, async (item) => {
    await sleep(item * 100);
    ended.push(item);
    if (item === 1) throw new Error('job 1 failed');
    return item;
  });
  const outcome = done.catch((error: Error) => error.message);
  await jest.runAllTimersAsync();

  expect(await outcome).toBe('job 1 failed');
  expect(ended).toEqual([1, 2, 3]);
});
