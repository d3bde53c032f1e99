/**
 * Questions several invariants ask of what a run observed: which token key an issuer request
 * was for, which leases the table granted to whom and until when, whether a container asked the
 * issuer while holding the lease, and what a table item's sealed token is.
 */
import { LEASE_KEY_PREFIX } from '../../../lambda/table/lease-store';
import { TOKEN_KEY_PREFIX } from '../../../lambda/table/token-store';
import type { AwsAttempt } from '../models/aws-transport';
import type { Item } from '../models/dynamodb/expression-evaluator';
import type { IssuerAttempt, Mint } from '../models/wll-issuer';
import type { TableRecord } from '../world/ledger';
import type { World } from '../world/world';

/** The token key an issuer request was for (undefined when WLL did not know the secret). */
export function keyOfRequest(world: World, attempt: IssuerAttempt): string | undefined {
  if (attempt.secretVersion === 0) return undefined;
  const client = world.config.clients.find((c) => world.clients.clientId(c.name) === attempt.clientId);
  return client && world.clients.keyFor(client.name, attempt.secretVersion, attempt.audience);
}

export function keyOfMint(world: World, mint: Mint): string | undefined {
  return keyOfRequest(world, mint.attempt);
}

/** One acquisition of a lease, as the table granted it. */
export interface Tenure {
  readonly key: string;
  readonly container: string;
  readonly leaseId: string;
  readonly acquiredAt: number;
  /** When it lapses, in true time (the item holds the acquirer's clock). */
  readonly untilTrue: number;
  /** The SDK attempt that wrote it. */
  readonly attempt?: AwsAttempt;
  /** When the table let it go (a release under its id), if it did. */
  releasedAt?: number;
}

/** Every acquisition the table granted, in order, with when each was let go. */
export function tenures(world: World): Tenure[] {
  const found: Tenure[] = [];
  const current = new Map<string, Tenure>();
  for (const event of world.ledger.table) {
    const tenure = tenureOf(world, event);
    if (tenure) {
      found.push(tenure);
      current.set(event.pk, tenure);
      continue;
    }
    const held = current.get(event.pk);
    if (held && !event.conditionFailed && event.after?.leaseId?.S === held.leaseId && Number(event.after.leaseUntil?.N) < Number(event.before?.leaseUntil?.N)) {
      held.releasedAt ??= event.at;
    }
  }
  return found;
}

/** The acquisition an applied lease write made, if it was one (a new lease id on the item). */
export function tenureOf(world: World, event: TableRecord): Tenure | undefined {
  if (event.conditionFailed || !event.pk.startsWith(LEASE_KEY_PREFIX) || !event.after) return undefined;
  const leaseId = event.after.leaseId?.S;
  if (leaseId === undefined || leaseId === event.before?.leaseId?.S) return undefined;
  const until = Number(event.after.leaseUntil?.N);
  return {
    key: event.pk.slice(LEASE_KEY_PREFIX.length),
    container: event.caller,
    leaseId,
    acquiredAt: event.at,
    untilTrue: until - (world.fleet.skewOf(event.caller) ?? 0),
    attempt: event.attempt,
  };
}

/** True when `container` held the lease of `key` at `at` (the table granted it, and it had neither lapsed nor been let go). */
export function heldLease(world: World, container: string, key: string, at: number): boolean {
  return tenures(world).some((t) => t.container === container && t.key === key && t.acquiredAt <= at && at < Math.min(t.untilTrue, t.releasedAt ?? Infinity));
}

/** Every attempt of SDK calls that sent `value` among their expression values (a release names its lease id). */
export function attemptsNaming(world: World, container: string, pkPrefixAndKey: string, value: string): AwsAttempt[] {
  return world.ledger.aws.filter(
    (a) =>
      a.process === container &&
      a.pk === pkPrefixAndKey &&
      Object.values((a.input.ExpressionAttributeValues ?? {}) as Record<string, { S?: string }>).some((v) => v.S === value),
  );
}

/** The token a token item holds (opened with the key's seal), and whether it opened. */
export function tokenOfItem(world: World, pk: string, item: Item | undefined): { mint?: Mint; opened: boolean; expiresAt?: number } {
  if (!item || !pk.startsWith(TOKEN_KEY_PREFIX)) return { opened: false };
  const info = world.clients.key(pk.slice(TOKEN_KEY_PREFIX.length));
  const sealed = item.sealedToken?.S;
  const accessToken = info && sealed !== undefined ? info.seal.open(sealed, pk) : undefined;
  if (accessToken === undefined) return { opened: false };
  return { mint: world.ledger.mintOf(accessToken), opened: true, expiresAt: Number(item.expiresAt?.N) };
}

/** How far a container's clock is ahead of true time. */
export function skewOf(world: World, container: string): number {
  return world.fleet.skewOf(container) ?? 0;
}

/**
 * The expiry the function gives a token it received (epoch s), as the issuer client computes it:
 * the lifetime counts from when the request was sent by the container's clock, and never past
 * the JWT's own `exp`.
 */
export function functionExpiry(world: World, mint: Mint): number {
  const issuedAt = Math.floor((mint.attempt.sentAt + skewOf(world, mint.attempt.process)) / 1000);
  return Math.min(issuedAt + mint.expiresIn, mint.exp);
}
