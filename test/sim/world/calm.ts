/**
 * The end of every run: the faults stop (and a rotation under way completes), every running
 * invocation ends, what the table remembers from the faults (back-offs, refusals, unusable
 * answers) lapses, and then every slot is probed for every credential set, twice, one lease
 * plus one issuer budget apart: each probe must be served (the liveness invariant).
 */
import { CLOCK_SKEW_TOLERANCE_MS } from '../../../lambda/core/clock-skew';
import { DEFAULT_RETRY_POLICY } from '../../../lambda/issuer/retry-policy';
import { SECRET_REREAD_INTERVAL_MS } from '../../../lambda/protocol/token-service';
import { LEASE_KEY_PREFIX } from '../../../lambda/table/lease-store';
import { DEFAULT_LEASE_SECONDS } from '../../../lambda/config/load-config';
import { advance, advanceUntil, trueNow } from '../environment/virtual-time';
import { startInvocation } from './invocations';
import { seconds } from './trace';
import type { World } from './world';

const LEASE_PLUS_BUDGET_MS = DEFAULT_LEASE_SECONDS * 1000 + DEFAULT_RETRY_POLICY.budgetMs;

export async function calmAndProbe(world: World): Promise<void> {
  world.step += 1;
  world.calming = true;
  world.faults.clear();
  world.issuer.calm();
  for (const action of [...world.pendingActions]) {
    world.pendingActions.delete(action);
    action();
  }
  world.note('world', () => 'calm: no fault from now on');
  const settled = () => world.quiet();
  await advanceUntil(settled, world.config.timeoutMs + 5_000);
  const rememberedMs = Math.max(0, rememberedUntil(world) - trueNow());
  const waitMs = Math.max(rememberedMs + CLOCK_SKEW_TOLERANCE_MS, SECRET_REREAD_INTERVAL_MS);
  world.note('world', () => `waits ${seconds(waitMs)} for what the table remembers to lapse`);
  await advance(waitMs);
  for (const round of [1, 2]) {
    world.step += 1;
    for (const set of world.config.sets) {
      for (let slot = 0; slot < world.config.slots; slot++) startInvocation(world, { slot, set: set.name, audience: set.audiences[0]!, kind: 'probe' });
      await advanceUntil(settled, world.config.timeoutMs + 5_000);
      world.checkEach((invariant) => invariant.afterStep?.(world));
    }
    if (round === 1) await advance(LEASE_PLUS_BUDGET_MS);
  }
}

/** The latest moment (true time, with the writers' clocks allowed for) until which a lease item remembers something. */
function rememberedUntil(world: World): number {
  let until = 0;
  for (const [pk, item] of world.table.items) {
    if (!pk.startsWith(LEASE_KEY_PREFIX)) continue;
    for (const name of ['notBefore', 'rejectedUntil', 'leaseUntil']) {
      const value = Number(item[name]?.N);
      if (Number.isFinite(value)) until = Math.max(until, value + CLOCK_SKEW_TOLERANCE_MS);
    }
  }
  return until;
}
