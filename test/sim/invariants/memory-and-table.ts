/**
 * Memory and table only move forward: the table never goes back to a token that expires sooner
 * (unless the writer named the very value it replaces: one that did not open, or was refused)
 * nor to a token refused through compare-and-refresh; it never holds a token in clear; and a
 * container's memory never goes back to an older token, nor to one its callers reported refused.
 */
import { hasPlausibleTimes, isServable } from '../../../lambda/core/token';
import { TOKEN_KEY_PREFIX } from '../../../lambda/table/token-store';
import { trueNow } from '../environment/virtual-time';
import { memoryOf, protocolOf } from '../lambda/introspection';
import type { Item } from '../models/dynamodb/expression-evaluator';
import type { Mint } from '../models/wll-issuer';
import type { World } from '../world/world';
import { violated, type Invariant } from './invariant';
import { skewOf, tokenOfItem } from './observations';

/** Tokens a compare-and-refresh replaced (a caller reported them refused and got another). */
function refusedAndReplaced(world: World): Set<Mint> {
  const refused = new Set<Mint>();
  for (const invocation of world.ledger.invocations) {
    const outcome = invocation.outcome;
    if (invocation.kind === 'refused' && invocation.replaces && outcome?.kind === 'token' && outcome.mint !== invocation.replaces) refused.add(invocation.replaces);
  }
  return refused;
}

export const tableMovesForward: Invariant = {
  id: 'table-forward',
  contract: 'CONTRACT 3 and docs/protocol.md: a token is never replaced by one that expires sooner, except the very value a reader found unusable or refused; never in clear',
  onTableEvent(world, event) {
    if (event.conditionFailed || !event.pk.startsWith(TOKEN_KEY_PREFIX) || !event.after) return;
    if (Object.values(event.after).some((value) => value.S?.includes('eyJhbGci'))) violated(this, `${world.clients.pkLabel(event.pk)} holds a token in clear`);
    const after = tokenOfItem(world, event.pk, event.after);
    const before = tokenOfItem(world, event.pk, event.before);
    if (!after.opened) violated(this, `${event.caller} wrote ${world.clients.pkLabel(event.pk)} with a sealed token that does not open with its key`);
    const named = ((event.input.ExpressionAttributeValues ?? {}) as Record<string, { S?: string }>)[':replaces']?.S;
    const beforeUsable = before.opened && before.expiresAt !== undefined && hasPlausibleTimes({ issuedAt: Number(event.before?.issuedAt?.N), expiresAt: before.expiresAt }, trueNow());
    if (beforeUsable && after.expiresAt! < before.expiresAt! && named !== event.before?.sealedToken?.S) {
      violated(this, `${event.caller} replaced ${before.mint?.label} with ${after.mint?.label}, which expires sooner, in ${world.clients.pkLabel(event.pk)}`);
    }
    if (after.mint && after.mint !== before.mint && refusedAndReplaced(world).has(after.mint)) {
      violated(this, `${event.caller} put ${after.mint.label} back into ${world.clients.pkLabel(event.pk)} after callers reported it refused and got a replacement`);
    }
  },
};

/** Per container and key, the last token seen in its memory (and the expiry the function gave it). */
const lastSeen = new WeakMap<World, Map<string, { mint: Mint; expiresAt: number; at: number }>>();

export const memoryMovesForward: Invariant = {
  id: 'memory-forward',
  contract: 'docs/protocol.md 1: a container’s memory only moves forward, and a token its callers reported refused is not put back for 24 h',
  afterStep(world) {
    const seen = lastSeen.get(world) ?? new Map<string, { mint: Mint; expiresAt: number; at: number }>();
    lastSeen.set(world, seen);
    for (const container of world.fleet.alive()) {
      const refusedHere = refusedIn(world, container.name);
      const isRefused = (key: string, mint: Mint) => refusedHere.some((r) => r.key === key && r.mint === mint && !r.running);
      const protocols = new Set([...container.services.values()].map(protocolOf));
      for (const protocol of protocols) {
        for (const [key, token] of memoryOf(protocol)) {
          // A token no longer servable stays in memory until the next remember() prunes it; it is never answered.
          if (!isServable(token, trueNow() + skewOf(world, container.name), world.config.marginSeconds)) continue;
          const mint = world.ledger.mintOf(token.accessToken);
          if (!mint) violated(this, `${container.name} holds a token WLL never minted`);
          if (isRefused(key, mint)) violated(this, `${container.name}'s memory for ${world.clients.key(key)?.label} went back to ${mint.label}, which its callers reported refused`);
          const id = `${container.name} ${key}`;
          const last = seen.get(id);
          seen.set(id, { mint, expiresAt: token.expiresAt, at: trueNow() });
          if (!last || last.mint === mint) continue;
          const lastStillServable = isServable({ ...token, expiresAt: last.expiresAt }, trueNow() + skewOf(world, container.name), world.config.marginSeconds);
          // Memory is looked at after each step: a refusal since then may have removed a newer token in between.
          const refusedSince = refusedHere.some((r) => r.key === key && (r.running || r.settledAt! >= last.at));
          if (lastStillServable && token.expiresAt < last.expiresAt && !refusedSince) {
            violated(this, `${container.name}'s memory went from ${last.mint.label} back to ${mint.label}, which expires sooner`);
          }
        }
      }
    }
  },
};

/**
 * Tokens callers of `container` reported refused while the container saw them as current for the
 * key: in its memory when the call began, or in a table read it got during the call (only those
 * are kept, so callers cannot make a container remember whatever they send). A refusal resets
 * what "forward" means: memory may then hold an older token the table still has, until the
 * replacement arrives (docs/protocol.md 1 keeps the refused one out, not every older one).
 */
function refusedIn(world: World, container: string): { key: string; mint: Mint; running?: boolean; settledAt?: number }[] {
  const refused: { key: string; mint: Mint; running?: boolean; settledAt?: number }[] = [];
  for (const invocation of world.ledger.invocations) {
    if (invocation.container !== container || invocation.kind !== 'refused' || !invocation.replaces || !invocation.key) continue;
    // Still running: it may have dropped the token from memory already (it held it when it began).
    if (!invocation.outcome) {
      if (invocation.replacesWasCurrent) refused.push({ key: invocation.key, mint: invocation.replaces, running: true });
      continue;
    }
    // A call that could not read the secret never reached the protocol.
    const outcome = invocation.outcome;
    if (outcome.kind === 'error' && outcome.name === 'CredentialsError' && (outcome.error as { reason?: string }).reason === 'unavailable') continue;
    const pk = TOKEN_KEY_PREFIX + invocation.key;
    const readIt = world.ledger.aws.some(
      (a) =>
        a.process === container &&
        a.invocation === invocation.id &&
        a.operation === 'GetItem' &&
        a.pk === pk &&
        a.ending === 'answer' &&
        a.sentAt >= invocation.startedAt &&
        a.endedAt! <= invocation.settledAt! &&
        tokenOfItem(world, pk, a.delivered?.body.Item as Item | undefined).mint === invocation.replaces,
    );
    if (invocation.replacesWasCurrent || readIt) refused.push({ key: invocation.key, mint: invocation.replaces, settledAt: invocation.settledAt });
  }
  return refused;
}
