/**
 * How often WLL is asked. One request at a time per key, within a container always and across
 * containers under the lease; nobody under the lease asks while a recorded back-off or refusal
 * lasts (in true time, whatever the clocks); a holder whose request failed the issuer's way
 * records what every container must then honour; and with no fault at all, one request per
 * credentials and audience per token lifetime, whatever the interleaving.
 */
import { ISSUER_BACKOFF_MS, REJECTION_MEMORY_MS, SCHEDULED_REFRESH_RATIO, UNUSABLE_ANSWER_MEMORY_MS } from '../../../lambda/protocol/token-protocol';
import { CLOCK_SKEW_TOLERANCE_MS } from '../../../lambda/core/clock-skew';
import { DEFAULT_RETRY_POLICY } from '../../../lambda/issuer/retry-policy';
import { LEASE_KEY_PREFIX } from '../../../lambda/table/lease-store';
import { trueNow } from '../environment/virtual-time';
import type { IssuerAttempt } from '../models/wll-issuer';
import type { TableRecord } from '../world/ledger';
import { seconds } from '../world/trace';
import type { World } from '../world/world';
import { violated, type Invariant } from './invariant';
import { functionExpiry, heldLease, keyOfRequest, skewOf, tenures } from './observations';

export const oneRequestAtATime: Invariant = {
  id: 'one-at-a-time',
  contract: 'CONTRACT 3: at most one issuer request at a time per key, within a container and across containers',
  onIssuerAttempt(world, attempt) {
    const key = keyOfRequest(world, attempt);
    if (!key) return;
    for (const other of world.ledger.issuer) {
      if (other === attempt || other.ending !== undefined || other.endedAt !== undefined || keyOfRequest(world, other) !== key) continue;
      if (other.process === attempt.process) violated(this, `${attempt.process} asked WLL for ${world.clients.key(key)?.label} twice at once`);
      if (heldLease(world, attempt.process, key, attempt.sentAt) && heldLease(world, other.process, key, other.sentAt)) {
        violated(this, `${attempt.process} and ${other.process} both held the lease of ${world.clients.key(key)?.label} and asked WLL at once`);
      }
    }
  },
};

/** A back-off or refusal the table recorded, and how long it must hold in true time. */
interface Window {
  readonly key: string;
  readonly from: number;
  readonly until: number;
  readonly what: string;
  readonly holder: string;
}

const windows = new WeakMap<World, Window[]>();

/** The lesson a release wrote, if it was one: how long it must last in true time, by its reason. */
function windowOf(world: World, event: TableRecord): Window | undefined {
  if (event.conditionFailed || !event.pk.startsWith(LEASE_KEY_PREFIX) || !event.after || !event.attempt) return undefined;
  if (event.after.leaseId?.S !== event.before?.leaseId?.S) return undefined;
  const key = event.pk.slice(LEASE_KEY_PREFIX.length);
  const from = event.attempt.sentAt;
  const changed = (name: string) => event.after![name]?.N !== undefined && event.after![name]?.N !== event.before?.[name]?.N;
  if (changed('rejectedUntil')) return { key, from, until: from + REJECTION_MEMORY_MS, what: 'a remembered refusal', holder: event.caller };
  if (!changed('notBefore')) return undefined;
  const reason = event.after.backoffReason?.S;
  const recordedMs = Number(event.after.notBefore!.N) - (from + skewOf(world, event.caller)) - CLOCK_SKEW_TOLERANCE_MS;
  const durationMs = reason === 'issuer_error' ? ISSUER_BACKOFF_MS : reason === 'unusable_answer' ? UNUSABLE_ANSWER_MEMORY_MS : recordedMs;
  return { key, from, until: from + durationMs, what: `a ${reason} back-off`, holder: event.caller };
}

export const backoffsHonoured: Invariant = {
  id: 'backoff-honoured',
  contract: 'CONTRACT 7: a shared back-off (and a remembered refusal) is honoured by every container; docs/protocol.md 9: clocks may differ by up to 2 s',
  onTableEvent(world, _event, _at) {
    const event = world.ledger.table[world.ledger.table.length - 1]!;
    const window = windowOf(world, event);
    if (window) windows.set(world, [...(windows.get(world) ?? []), window]);
  },
  onIssuerAttempt(world, attempt) {
    const key = keyOfRequest(world, attempt);
    if (!key || !heldLease(world, attempt.process, key, attempt.sentAt)) return;
    const window = (windows.get(world) ?? []).find((w) => w.key === key && w.from < attempt.sentAt && attempt.sentAt < w.until);
    if (window) {
      violated(this, `${attempt.process} asked WLL for ${world.clients.key(key)?.label} ${seconds(window.until - attempt.sentAt)} before ${window.what} recorded by ${window.holder} ended`);
    }
  },
};

/** What the holder's failed request must leave for everyone: a back-off, a refusal, or nothing. */
function expectedLesson(world: World, attempts: readonly IssuerAttempt[]): 'backoff' | 'rejection' | undefined {
  const answered = attempts.filter((a) => a.ending === 'answer');
  const last = attempts[attempts.length - 1];
  if (answered.some((a) => a.status === 200)) {
    // Within a second or two of the margin, the containers' clocks decide; only a clear case is expected.
    const delivered = answered.find((a) => a.status === 200)!.mint!;
    const lifetime = Math.min(delivered.expiresIn, delivered.exp - Math.floor(delivered.mintedAt / 1000));
    const unusable = delivered.expiresIn > 30 * 86_400 || lifetime <= 0 || lifetime < world.config.marginSeconds - 1;
    return unusable ? 'backoff' : undefined;
  }
  if (answered.some((a) => a.status === 401 || a.status === 403)) return 'rejection';
  const fullTimeout = attempts.some((a) => a.ending === 'abort' && a.endedAt! - a.sentAt >= DEFAULT_RETRY_POLICY.attemptTimeoutMs);
  if (answered.some((a) => (a.status ?? 0) >= 500) || fullTimeout || (last?.ending === 'answer' && last.status === 429)) return 'backoff';
  return undefined;
}

export const lessonsRecorded: Invariant = {
  id: 'lesson-recorded',
  contract: 'CONTRACT 7: a back-off is recorded for what the issuer answered (429, 5xx, a whole attempt timeout of a hung issuer); an unusable answer and rejected credentials are remembered across containers',
  onTableEvent(world) {
    const event = world.ledger.table[world.ledger.table.length - 1]!;
    if (event.conditionFailed || !event.pk.startsWith(LEASE_KEY_PREFIX) || !event.after || event.after.leaseId?.S !== event.before?.leaseId?.S) return;
    if (Number(event.after.leaseUntil?.N) >= Number(event.before?.leaseUntil?.N)) return;
    const key = event.pk.slice(LEASE_KEY_PREFIX.length);
    const tenure = tenures(world).filter((t) => t.key === key && t.leaseId === event.after!.leaseId?.S).pop();
    if (!tenure) return;
    // The holder's own request: other flights of its container (Managed Instances) may ask without the lease meanwhile.
    const holder = event.attempt?.invocation;
    const attempts = world.ledger.issuer.filter(
      (a) => a.process === event.caller && a.invocation === holder && keyOfRequest(world, a) === key && a.sentAt >= tenure.acquiredAt && a.sentAt <= event.at,
    );
    const expected = expectedLesson(world, attempts);
    const values = (event.input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
    const recorded = values[':rejectedUntil'] !== undefined ? 'rejection' : values[':notBefore'] !== undefined ? 'backoff' : undefined;
    if (expected && recorded !== expected) {
      const outcomes = attempts.map((a) => (a.ending === 'answer' ? `HTTP ${a.status}` : `${a.ending ?? 'no answer'} after ${seconds((a.endedAt ?? trueNow()) - a.sentAt)}`)).join(', ');
      violated(this, `${event.caller} let go of the lease of ${world.clients.key(key)?.label} after WLL answered [${outcomes}] and recorded ${recorded ?? 'nothing'} instead of a ${expected}`);
    }
  },
};

export const oneRequestPerLifetime: Invariant = {
  id: 'one-per-lifetime',
  contract: 'Issue 21 (CONTRACT 3 and WLL-TOKEN-ENDPOINT.md): with no fault, exactly one issuer request per credentials and audience per token lifetime, whatever the interleaving',
  onIssuerAttempt(world, attempt) {
    if (world.config.faults || world.lastTroubleAt > -Infinity) return;
    const key = keyOfRequest(world, attempt);
    if (!key) return;
    const containerNow = attempt.sentAt + skewOf(world, attempt.process);
    const newest = world.ledger.issuer
      .filter((a) => a !== attempt && a.ending === 'answer' && a.mint && keyOfRequest(world, a) === key)
      .map((a) => ({ mint: a.mint!, expiresAt: functionExpiry(world, a.mint!) }))
      .sort((a, b) => b.expiresAt - a.expiresAt)[0];
    if (!newest) return;
    const leftMs = newest.expiresAt * 1000 - containerNow;
    const lifetimeMs = (newest.expiresAt - Math.floor((newest.mint.attempt.sentAt + skewOf(world, newest.mint.attempt.process)) / 1000)) * 1000;
    const ratio = Math.max(world.config.refreshAheadRatio, SCHEDULED_REFRESH_RATIO);
    if (leftMs <= world.config.marginSeconds * 1000 + 1_000 || leftMs < lifetimeMs * ratio + 1_000) return;
    const forced = world.ledger.invocations.some(
      (i) => i.container === attempt.process && !i.outcome && (i.kind === 'force' || i.kind === 'refused') && i.audience === attempt.audience,
    );
    if (forced) return;
    violated(this, `${attempt.process} asked WLL for ${world.clients.key(key)?.label} while ${newest.mint.label} still had ${seconds(leftMs)} of ${seconds(lifetimeMs)}, outside its refresh window, with no fault and no forced refresh`);
  },
};
