/**
 * The simulation's virtual time (test/sim/environment): a container's timers stop while it is
 * frozen and fire at the thaw, never after it is killed, AbortSignal.timeout follows virtual
 * time, and each container's randomness replays from the seed.
 */
import { advance, installVirtualTime, resetVirtualTime, SimProcess, trueNow, uninstallVirtualTime } from '../../sim/environment/virtual-time';
import crypto from 'node:crypto';
import { seededRandom } from '../../sim/environment/seeded-random';

beforeAll(() => installVirtualTime());
afterAll(() => uninstallVirtualTime());
beforeEach(() => resetVirtualTime(1));

test("a frozen container's timer waits for the thaw and then fires at once; a killed one's never", async () => {
  const frozen = new SimProcess('c1', seededRandom(1));
  const killed = new SimProcess('c2', seededRandom(2));
  const fired: string[] = [];
  frozen.run(() => setTimeout(() => fired.push(`c1 at ${trueNow()}`), 1_000));
  killed.run(() => setTimeout(() => fired.push('c2'), 1_000));
  const start = trueNow();
  frozen.freeze();
  killed.kill();

  await advance(5_000);
  expect(fired).toEqual([]);
  frozen.thaw();

  expect(fired).toEqual([`c1 at ${start + 5_000}`]);
});

test('AbortSignal.timeout aborts in virtual time, with the reason Node gives', async () => {
  const signal = new SimProcess('c1', seededRandom(1)).run(() => AbortSignal.timeout(1_500));

  await advance(1_499);
  expect(signal.aborted).toBe(false);
  await advance(1);

  expect(signal.aborted).toBe(true);
  expect((signal.reason as DOMException).name).toBe('TimeoutError');
});

test("a container's Math.random and randomUUID come from its own stream, the same in every replay", () => {
  const draw = () => new SimProcess('c1', seededRandom(42)).run(() => [Math.random(), crypto.randomUUID()]);

  expect(draw()).toEqual(draw());
  expect(draw()[1]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
