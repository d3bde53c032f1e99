/**
 * Background traffic: callers that keep asking, as in production, between and during the steps.
 * A run with traffic has a caller land in every narrow window (the last seconds of a token above
 * the margin, the tail of a back-off) instead of only where a step happens to put one.
 */
import { between, derivedRandom } from '../environment/seeded-random';
import { asWorld } from '../environment/virtual-time';
import { startInvocation } from './invocations';
import type { World } from './world';

/**
 * Starts the run's traffic, if it has any: a call every `everyMs` or so, from a random slot, set
 * and audience; mostly `get`, sometimes a forced refresh (plain, or replacing the token that
 * caller got last), and now and then the schedule.
 */
export function startTraffic(world: World): void {
  const everyMs = world.config.trafficEveryMs;
  if (everyMs <= 0) return;
  const random = derivedRandom(world.config.seed, 'traffic');
  const next = () =>
    asWorld(() =>
      setTimeout(
        () => {
          if (world.calming) return;
          const set = world.config.sets[between(random, 0, world.config.sets.length - 1)]!;
          const audience = set.audiences[between(random, 0, set.audiences.length - 1)]!;
          const roll = random();
          const kind = roll < 0.08 ? 'scheduled' : roll < 0.16 ? 'force' : roll < 0.2 ? 'refused' : 'get';
          const replaces = kind === 'refused' ? world.lastAnswered.get(`${set.name} ${audience}`) : undefined;
          const call = kind === 'refused' && !replaces ? 'get' : kind;
          startInvocation(world, { slot: between(random, 0, world.config.slots - 1), set: set.name, audience, kind: call, replaces, quiet: true });
          next();
        },
        between(random, everyMs / 2, (everyMs * 3) / 2),
      ),
    );
  next();
}
