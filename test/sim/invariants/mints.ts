/**
 * A token paid for is never thrown away: every usable token WLL delivered is written to the
 * table and counted by the container that received it, at once, unless the simulation killed
 * that container (then it is wasted, and said so); a write or count that every attempt of which
 * met a fault is reported as wasted, never silent. A mint is counted once, not once per SDK retry.
 */
import type { AwsAttempt } from '../models/aws-transport';
import { MINT_KEY_PREFIX } from '../../../lambda/table/mint-counter';
import { TOKEN_KEY_PREFIX } from '../../../lambda/table/token-store';
import { trueNow } from '../environment/virtual-time';
import type { IssuerAttempt } from '../models/wll-issuer';
import type { World } from '../world/world';
import { violated, type Invariant } from './invariant';
import { functionExpiry, skewOf } from './observations';

/** Storing and counting start in the same instant the token arrives; allow this much for the microtasks between. */
const SAME_INSTANT_MS = 1;

/** What the run wasted, for the summary (not violations). */
export interface Waste {
  killedHolder: number;
  tableUnreachable: number;
}

const checked = new WeakMap<World, Set<IssuerAttempt>>();
export const waste = new WeakMap<World, Waste>();

/** The usable tokens a container received: lifetime beyond the margin by its own clock, not absurd. */
function usableDelivery(world: World, attempt: IssuerAttempt): boolean {
  const mint = attempt.mint;
  if (!mint || attempt.ending !== 'answer' || attempt.status !== 200) return false;
  const skew = skewOf(world, attempt.process);
  const issuedAt = Math.floor((attempt.sentAt + skew) / 1000);
  const expiresAt = functionExpiry(world, mint);
  if (mint.expiresIn > 30 * 86_400 || expiresAt <= issuedAt) return false;
  return Math.floor((expiresAt * 1000 - (attempt.endedAt! + skew)) / 1000) > world.config.marginSeconds;
}

function callsFrom(world: World, attempt: IssuerAttempt, operation: string, prefix: string): AwsAttempt[] {
  return world.ledger.aws.filter(
    (a) =>
      a.process === attempt.process &&
      a.attempt === 1 &&
      a.operation === operation &&
      (a.pk ?? '').startsWith(prefix) &&
      a.sentAt >= attempt.endedAt! &&
      a.sentAt <= attempt.endedAt! + SAME_INSTANT_MS,
  );
}

export const paidTokenKept: Invariant = {
  id: 'paid-token-kept',
  contract: 'CONTRACT 3 and docs/protocol.md 7: a token just minted is always written and counted; a token paid for is never lost, and the mint count stays exact',
  afterStep(world) {
    this.atEnd!(world);
  },
  atEnd(world) {
    const done = checked.get(world) ?? new Set<IssuerAttempt>();
    checked.set(world, done);
    const wasted = waste.get(world) ?? { killedHolder: 0, tableUnreachable: 0 };
    waste.set(world, wasted);
    for (const attempt of world.ledger.issuer) {
      if (done.has(attempt) || attempt.endedAt === undefined || attempt.endedAt + SAME_INSTANT_MS > trueNow() || !usableDelivery(world, attempt)) continue;
      done.add(attempt);
      const mint = attempt.mint!;
      const killedAt = world.ledger.kills.get(attempt.process);
      if (killedAt !== undefined && killedAt <= attempt.endedAt + SAME_INSTANT_MS) {
        wasted.killedHolder += 1;
        continue;
      }
      const writes = callsFrom(world, attempt, 'PutItem', TOKEN_KEY_PREFIX).filter((a) => {
        const sealed = (a.input.Item as Record<string, { S?: string }>).sealedToken?.S;
        return sealed !== undefined && world.clients.key(a.pk!.slice(TOKEN_KEY_PREFIX.length))?.seal.open(sealed, a.pk!) === mint.accessToken;
      });
      if (writes.length === 0) violated(this, `${attempt.process} received ${mint.label} from WLL and never tried to store it`);
      const counts = callsFrom(world, attempt, 'UpdateItem', MINT_KEY_PREFIX);
      if (counts.length === 0) violated(this, `${attempt.process} received ${mint.label} from WLL and never counted it`);
      if (!world.ledger.callAttempts(writes[0]!.invocationId).some((a) => a.applied)) wasted.tableUnreachable += 1;
    }
  },
};

export const countedOnce: Invariant = {
  id: 'counted-once',
  contract: 'CONTRACT 4: forced mints per key are counted across containers; docs/protocol.md 7: the mint count stays exact',
  onAwsEnded(world, attempt) {
    if (attempt.operation !== 'UpdateItem' || !(attempt.pk ?? '').startsWith(MINT_KEY_PREFIX) || !attempt.applied) return;
    const attempts = world.ledger.callAttempts(attempt.invocationId);
    const counted = attempts.filter((a) => a.applied && a.answer?.status === 200);
    if (counted.length < 2) return;
    // The count is idempotent for one request (a condition on the last counted mint's id); docs/protocol.md
    // accepts a double count only when another mint of the client was counted between the two attempts.
    const events = world.ledger.table.filter((e) => e.pk === attempt.pk && !e.conditionFailed && e.operation === 'UpdateItem');
    const first = events.findIndex((e) => e.attempt === counted[0]);
    const second = events.findIndex((e) => e.attempt === counted[1]);
    const between = events.slice(first + 1, second).some((e) => e.attempt?.invocationId !== attempt.invocationId);
    if (!between) violated(this, `${attempt.process} counted one mint ${counted.length} times: the SDK retried an increment DynamoDB had applied`, 'sdk-retry-double-count');
  },
};
