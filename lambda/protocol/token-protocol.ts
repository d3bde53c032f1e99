/**
 * The refresh protocol, in one place (DESIGN.md convention 16): memory, then the table, then the
 * lease and the issuer; refresh ahead of expiry; compare-and-refresh; shared back-offs, remembered
 * refusals and unusable answers. The table and the issuer are reached only through `SharedCache`
 * and `TokenIssuer`.
 */
import { CLOCK_SKEW_TOLERANCE_MS } from '../core/clock-skew';
import { settledBy, type Deadline } from '../core/deadline';
import { CredentialsError, IssuerError, RateLimitedError } from '../core/errors';
import { isServable, isYoungerThanForceRefreshLimit, longestLived, secondsLeft, servableUntilMs, type IssuedToken } from '../core/token';
import type { TokenIssuer } from '../issuer/wll-token-issuer';
import type { Lease, LeaseResult } from '../table/lease-store';
import type { MintCount } from '../table/mint-counter';
import { backoffError, gaveUpWaiting, rememberedRejection } from './protocol-errors';
import { RefreshSchedule } from './refresh-schedule';
import { RefusedTokens } from './refused-tokens';
import type { SharedCache } from '../table/shared-cache';
import type { ClientCredentials } from '../credentials/secret-format';
import { tokenSha256 } from '../core/token-fingerprint';
import type { TokenSeal } from '../table/token-seal';
import { tooShortForMargin, UnusableAnswerError } from '../issuer/unusable-answer';

/** Everything the protocol needs to know about one token: whose, for what, and where it lives. */
export interface TokenKey {
  /** The cache key (an HMAC of endpoint, client id and audience keyed with the secret). */
  readonly key: string;
  readonly audience: string;
  readonly credentials: ClientCredentials;
  readonly seal: TokenSeal;
  /** Names the client for the shared mint count. */
  readonly credentialsRef: string;
}

export type TokenSource = 'memory' | 'cache' | 'issuer';

export interface Served {
  readonly token: IssuedToken;
  readonly source: TokenSource;
  /** Time spent waiting for another container's issuer request, in ms. */
  readonly waitedMs: number;
}

export interface ProtocolSettings {
  readonly refreshMarginSeconds: number;
  /** 0: no cross-container lease (nor shared back-off or rejection memory). */
  readonly leaseMs: number;
  /** Share of a token's lifetime, at its end, in which callers refresh it ahead; 0: never. */
  readonly refreshAheadRatio: number;
}

/** What the protocol tells the outside world about (metrics and logs). */
export interface ProtocolEvents {
  minted(mint: { audience: string; forced: boolean; count?: MintCount }): void;
  earlyRefreshFailed(audience: string, error: unknown): void;
  unusableItem(audience: string): void;
}

export interface ProtocolDependencies {
  readonly cache: SharedCache;
  readonly issuer: TokenIssuer;
  readonly events: ProtocolEvents;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/**
 * A caller with a servable token never waits longer than this on a refresh, plus the release
 * of the lease (at most 500 ms), within CONTRACT section 7's 3 s.
 */
export const EARLY_REFRESH_BUDGET_MS = 2_400;
/** Of that budget, the issuer gets all but this (storing and counting the token, at once, must still fit). */
const EARLY_REFRESH_STORE_RESERVE_MS = 300;
/**
 * An early refresh also ends this long before the held token stops being servable, so the
 * caller leaves with it (or a newer one) while it has more than the margin left: the issuer
 * stops EARLY_REFRESH_STORE_RESERVE_MS earlier still, and letting the lease go takes at most 500 ms.
 */
const EARLY_REFRESH_SERVABLE_RESERVE_MS = 500;
/**
 * The holder stops asking the issuer this long before its lease lapses, so requests never
 * overlap, even with another container's clock up to the stated tolerance ahead.
 */
const LEASE_RESERVE_MS = CLOCK_SKEW_TOLERANCE_MS;
/** How long everyone stays away from an issuer that failed (5xx, full timeouts) despite retries. */
export const ISSUER_BACKOFF_MS = 10_000;
/** How long every container remembers that the issuer refused these credentials for this audience. */
export const REJECTION_MEMORY_MS = 5 * 60_000;
/**
 * How long every container remembers that the issuer granted a token the function cannot use
 * (CONTRACT section 7). What fixes it is an operator's or WLL's change, which takes minutes:
 * the same 5 minutes as a rejection cost at most 12 tokens an hour per key, not one per call.
 */
export const UNUSABLE_ANSWER_MEMORY_MS = REJECTION_MEMORY_MS;
/** The scheduled refresh renews tokens with less than this share of their life left, early refresh on or off. */
export const SCHEDULED_REFRESH_RATIO = 0.25;
/** How long this container keeps a token refused through compare-and-refresh out of its memory. */
const REFUSED_MEMORY_MS = 24 * 3_600_000;
const FIRST_POLL_MS = 50;
const MAX_POLL_MS = 1_000;

interface Obtain {
  readonly deadline: Deadline;
  /** Whether a token found in the table makes asking the issuer unnecessary. */
  readonly acceptable: (token: IssuedToken) => boolean;
  readonly forced: boolean;
  /** The sealed value the new token may replace whatever its expiry (a refused or unusable item). */
  readonly replaces?: string;
}

/**
 * The refresh protocol, in one place (DESIGN 16): where a token comes from (this
 * container's memory, then the shared table, then the issuer), who may ask the issuer
 * (one fenced lease per key across containers, one flight per key in a container), when a
 * token is renewed (inline, by one caller, in the last part of its life), and what every
 * container remembers (shared back-off, refused credentials).
 *
 * No work outlives the call that started it (CONTRACT section 7): Lambda freezes a
 * container as soon as the handler returns, so a refresh ahead of expiry runs inline,
 * within a short budget, and the caller gets the current token if the issuer is slow.
 */
export class TokenProtocol {
  private readonly memory = new Map<string, IssuedToken>();
  private readonly flights = new Map<string, Promise<Served>>();
  /** This container's issuer request per key, if one is running. */
  private readonly issuing = new Map<string, Promise<IssuedToken>>();
  private readonly schedule: RefreshSchedule;
  private readonly refused = new RefusedTokens();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly settings: ProtocolSettings,
    private readonly deps: ProtocolDependencies,
  ) {
    this.now = deps.now ?? (() => Date.now());
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = deps.random ?? Math.random;
    this.schedule = new RefreshSchedule(settings.refreshAheadRatio, this.now, this.random);
  }

  /** A token for an ordinary caller. `startedAt`: when the invocation began (the early-refresh budget counts from it). */
  serve(k: TokenKey, deadline: Deadline, startedAt: number): Promise<Served> {
    const answerBy = Math.min(deadline, startedAt + EARLY_REFRESH_BUDGET_MS);
    const remembered = this.servable(this.memory.get(k.key));
    if (remembered) return this.refreshAheadIfDue(k, { token: remembered, source: 'memory', waitedMs: 0 }, answerBy).then(this.answerable(k, deadline));
    // Everyone in this container without a token joins one flight: the memory check above and
    // the join below happen without a pause, so no caller can slip between them.
    return this.flight(`serve ${k.key}`, () => this.loadOrObtain(k, deadline)).then((served) =>
      served.source === 'cache' ? this.refreshAheadIfDue(k, served, answerBy).then(this.answerable(k, deadline)) : served,
    );
  }

  /**
   * A new token for a caller whose token was refused (CONTRACT section 4). With the refused
   * token's fingerprint, mints only if that token is still the current one; without it,
   * mints unless the current token is less than a minute old.
   */
  forceRefresh(k: TokenKey, replacesSha256: string | undefined, deadline: Deadline): Promise<Served> {
    const isReplacement = (token: IssuedToken) =>
      replacesSha256 === undefined ? isYoungerThanForceRefreshLimit(token, this.now()) : tokenSha256(token.accessToken) !== replacesSha256;
    return this.flight(`force ${k.key} ${replacesSha256 ?? ''}`, async () => {
      const remembered = this.servable(this.memory.get(k.key));
      // This container stops handing out a token its callers report refused.
      if (remembered && replacesSha256 !== undefined && !isReplacement(remembered)) this.refuse(k.key, replacesSha256);
      const stored = await this.readTable(k, deadline);
      if (stored.token && replacesSha256 !== undefined && !isReplacement(stored.token)) this.refuse(k.key, replacesSha256);
      // The read may have taken long enough (up to its call cap) for the remembered token to fall to the margin.
      const current = longestLived(this.servable(remembered), this.servable(stored.token));
      if (current && isReplacement(current)) {
        this.remember(k.key, current);
        return { token: current, source: current === remembered ? 'memory' : 'cache', waitedMs: 0 };
      }
      const replaces = stored.unusable || (stored.token && !isReplacement(stored.token)) ? stored.sealedToken : undefined;
      const acceptable = (token: IssuedToken) => this.isServable(token) && isReplacement(token);
      return this.obtain(k, { deadline, acceptable, forced: true, replaces });
    });
  }

  /**
   * The scheduled refresh of one key: a token that is missing or in the last quarter of its
   * life is renewed (waiting for another container's refresh if need be). Without a stored
   * token, only a key to `keepWarm` gets one.
   */
  async refreshIfDue(k: TokenKey, keepWarm: boolean, deadline: Deadline): Promise<'refreshed' | 'current' | 'unused'> {
    const stored = await this.readTable(k, deadline);
    if (!stored.token && !stored.unusable && !keepWarm) return 'unused';
    const due = (token: IssuedToken) => !this.isServable(token) || this.schedule.isInRefreshWindow(token, SCHEDULED_REFRESH_RATIO);
    if (stored.token && !due(stored.token)) {
      this.remember(k.key, stored.token);
      return 'current';
    }
    const replaces = stored.unusable ? stored.sealedToken : undefined;
    const served = await this.obtain(k, { deadline, acceptable: (token) => !due(token), forced: false, replaces });
    return served.source === 'issuer' ? 'refreshed' : 'current';
  }

  /** How many keys this container keeps state for: remembered tokens, planned refreshes, refusals (for leak checks). */
  footprint(): { remembered: number; planned: number; refused: number } {
    return { remembered: this.memory.size, planned: this.schedule.size, refused: this.refused.size };
  }

  /** The shared count of tokens minted for these credentials, for the scheduled report. */
  mintCount(k: TokenKey, deadline: Deadline): Promise<MintCount | undefined> {
    return this.deps.cache.readMintCount(k.credentialsRef, deadline);
  }

  private async loadOrObtain(k: TokenKey, deadline: Deadline): Promise<Served> {
    const stored = await this.readTable(k, deadline);
    const token = this.servable(stored.token);
    if (token) {
      this.remember(k.key, token);
      return { token, source: 'cache', waitedMs: 0 };
    }
    const replaces = stored.unusable ? stored.sealedToken : undefined;
    return this.obtain(k, { deadline, acceptable: (candidate) => this.isServable(candidate), forced: false, replaces });
  }

  /**
   * One caller of this container at a time renews a token in the last part of its life,
   * inline and within `answerBy`; whatever goes wrong, it gets the current token (`keep`).
   */
  private refreshAheadIfDue(k: TokenKey, keep: Served, budgetBy: Deadline): Promise<Served> {
    // Never past the held token's servability (CONTRACT section 7): a caller that came with a
    // servable token leaves with it. Too close to that moment for an issuer request, none starts.
    const answerBy = Math.min(budgetBy, servableUntilMs(keep.token, this.settings.refreshMarginSeconds) - EARLY_REFRESH_SERVABLE_RESERVE_MS);
    if (answerBy - this.now() <= EARLY_REFRESH_STORE_RESERVE_MS) return Promise.resolve(keep);
    return this.schedule.startIfDue(k.key) ? this.refreshAhead(k, keep, answerBy) : Promise.resolve(keep);
  }

  private async refreshAhead(k: TokenKey, keep: Served, answerBy: Deadline): Promise<Served> {
    const current = keep.token;
    // Any servable token that outlives the current one is progress: it has its own refresh window.
    const newer = (token: IssuedToken) => this.isServable(token) && token.expiresAt > current.expiresAt;
    try {
      // Another container may have renewed it already: then no lease is needed at all.
      const stored = await this.readTable(k, answerBy);
      if (stored.token && newer(stored.token)) {
        this.remember(k.key, stored.token);
        return { token: stored.token, source: 'cache', waitedMs: 0 };
      }
      const outcome = this.settings.leaseMs > 0 ? await this.deps.cache.acquire(k.key, this.settings.leaseMs, answerBy) : undefined;
      // Someone else is renewing it, the issuer is being left alone, or it refused us: keep the current token.
      if (outcome && outcome.kind !== 'acquired' && outcome.kind !== 'unavailable') return keep;
      const obtain: Obtain = { deadline: answerBy, acceptable: newer, forced: false, replaces: stored.unusable ? stored.sealedToken : undefined };
      const issuerBy = answerBy - EARLY_REFRESH_STORE_RESERVE_MS;
      return outcome?.kind === 'acquired' ? await this.mintUnderLease(k, outcome.lease, obtain, this.now(), issuerBy) : await this.mint(k, obtain, issuerBy);
    } catch (error) {
      this.deps.events.earlyRefreshFailed(k.audience, error);
      return keep;
    } finally {
      this.schedule.finished(k.key);
    }
  }

  /** Gets a token that is `acceptable`: from the table once another container stored one, else from the issuer under the lease. */
  private async obtain(k: TokenKey, request: Obtain): Promise<Served> {
    const startedAt = this.now();
    let pollMs = FIRST_POLL_MS;
    for (;;) {
      if (this.settings.leaseMs === 0) return this.mint(k, request, request.deadline);
      const outcome = await this.deps.cache.acquire(k.key, this.settings.leaseMs, request.deadline);
      switch (outcome.kind) {
        case 'acquired':
          return this.mintUnderLease(k, outcome.lease, request, startedAt, request.deadline);
        case 'unavailable':
          return this.mint(k, request, request.deadline);
        case 'rejected':
          throw rememberedRejection(outcome.rejection, this.now());
        case 'backoff':
          throw backoffError(outcome.backoff, this.now());
        case 'held': {
          const pause = Math.round(pollMs * (0.5 + this.random() / 2));
          if (this.now() + pause > request.deadline) throw gaveUpWaiting(this.now() - startedAt);
          await this.sleep(pause);
          pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
          const arrived = await this.readTable(k, request.deadline);
          if (arrived.token && request.acceptable(arrived.token)) {
            this.remember(k.key, arrived.token);
            return { token: arrived.token, source: 'cache', waitedMs: this.now() - startedAt };
          }
        }
      }
    }
  }

  /** Asks the issuer under the lease, and always lets go of it, recording what the issuer said. */
  private async mintUnderLease(k: TokenKey, lease: Lease, request: Obtain, startedAt: number, issuerBy: Deadline): Promise<Served> {
    let lesson: LeaseResult = {};
    try {
      // The previous holder may have stored its token and let go between our last look
      // and our lease: look once more before paying for a request.
      const justStored = await this.readTable(k, request.deadline);
      if (justStored.token && request.acceptable(justStored.token)) {
        this.remember(k.key, justStored.token);
        return { token: justStored.token, source: 'cache', waitedMs: this.now() - startedAt };
      }
      const replaces = request.replaces ?? (justStored.unusable ? justStored.sealedToken : undefined);
      return await this.mint(k, { ...request, replaces }, Math.min(issuerBy, lease.untilMs - LEASE_RESERVE_MS));
    } catch (error) {
      lesson = this.lessonOf(error);
      throw error;
    } finally {
      await this.deps.cache.release(lease, lesson);
    }
  }

  /** One issuer request (with its own retries), stored and counted. */
  private async mint(k: TokenKey, request: Obtain, issuerBy: Deadline): Promise<Served> {
    // Another flight of this container may be asking already (without the table there is no
    // lease to say so): its token, if it suits, saves a request. The wait is ours to bound:
    // their request runs to their deadline, and an early refresh has at most its budget.
    // Several flights may wait on one request: when it fails, the first to wake asks again and
    // the others wait for that request in turn, so there is still one at a time.
    const waitStartedAt = this.now();
    for (let asking = this.issuing.get(k.key); asking; asking = this.issuing.get(k.key)) {
      const waited = await settledBy(asking.catch(() => undefined), issuerBy, this.now());
      if (!waited) throw gaveUpWaiting(this.now() - waitStartedAt);
      const theirs = waited.value;
      if (theirs && request.acceptable(theirs)) return { token: theirs, source: 'memory', waitedMs: 0 };
      if (this.issuing.get(k.key) === asking) break;
    }
    const issuing = this.deps.issuer.issue({ credentials: k.credentials, audience: k.audience, deadlineMs: issuerBy });
    this.issuing.set(k.key, issuing);
    const issued = await issuing.finally(() => {
      if (this.issuing.get(k.key) === issuing) this.issuing.delete(k.key);
    });
    this.assertServable(issued);
    // Storing and counting get the caller's whole deadline, at once, and are never skipped
    // (SharedCache): a token paid for is never thrown away.
    const [kept, count] = await Promise.all([
      this.deps.cache.write({ key: k.key, token: issued, audience: k.audience, seal: k.seal, replaces: request.replaces }, request.deadline),
      this.deps.cache.countMint(k.credentialsRef, { audience: k.audience, forced: request.forced }, request.deadline),
    ]);
    this.deps.events.minted({ audience: k.audience, forced: request.forced, count });
    // The table may hold a token that lives longer (another container's): that one is the answer.
    const answer = kept === issued || !request.acceptable(kept) ? issued : kept;
    this.remember(k.key, answer);
    return { token: answer, source: answer === issued ? 'issuer' : 'cache', waitedMs: 0 };
  }

  /** What every container should know after the issuer answered this way (CONTRACT section 7). */
  private lessonOf(error: unknown): LeaseResult {
    const now = this.now();
    if (error instanceof RateLimitedError) return { backoff: { notBeforeMs: now + error.retryAfterSeconds * 1000, reason: 'rate_limited' } };
    if (error instanceof IssuerError && error.details.issuerFault) return { backoff: { notBeforeMs: now + ISSUER_BACKOFF_MS, reason: 'issuer_error' } };
    if (error instanceof CredentialsError && error.reason === 'rejected') {
      return { rejection: { untilMs: now + REJECTION_MEMORY_MS, message: error.message, seenAtMs: now } };
    }
    if (error instanceof UnusableAnswerError) {
      return { backoff: { notBeforeMs: now + UNUSABLE_ANSWER_MEMORY_MS, reason: 'unusable_answer', message: error.message } };
    }
    return {};
  }

  private assertServable(issued: IssuedToken): void {
    const margin = this.settings.refreshMarginSeconds;
    if (this.isServable(issued)) return;
    throw tooShortForMargin(secondsLeft(issued, this.now()), margin);
  }

  private async readTable(k: TokenKey, deadline: Deadline) {
    const stored = await this.deps.cache.read(k.key, k.seal, deadline);
    if (stored.unusable) this.deps.events.unusableItem(k.audience);
    return stored;
  }

  private flight(id: string, run: () => Promise<Served>): Promise<Served> {
    let pending = this.flights.get(id);
    if (!pending) {
      pending = run().finally(() => this.flights.delete(id));
      this.flights.set(id, pending);
    }
    return pending;
  }

  private isServable(token: IssuedToken): boolean {
    return isServable(token, this.now(), this.settings.refreshMarginSeconds);
  }

  private servable(token: IssuedToken | undefined): IssuedToken | undefined {
    return token && this.isServable(token) ? token : undefined;
  }

  private remember(key: string, token: IssuedToken): void {
    // Drop what can no longer be served, so rotated credentials do not pile up.
    for (const [otherKey, other] of this.memory) {
      if (this.isServable(other)) continue;
      this.memory.delete(otherKey);
      this.schedule.forget(otherKey);
    }
    this.refused.prune(this.now());
    // Memory only moves forward: with concurrent invocations (Managed Instances), a read that
    // started before a newer token was stored can answer after it was remembered.
    const current = this.memory.get(key);
    if (current === token || this.refused.has(key, token)) return;
    if (current && this.isServable(current) && current.expiresAt >= token.expiresAt) return;
    this.memory.set(key, token);
    this.schedule.plan(key, token);
  }

  /** Callers report `sha256` refused: it leaves this container's memory and never comes back. */
  private refuse(key: string, sha256: string): void {
    this.refused.add(key, sha256, this.now() + REFUSED_MEMORY_MS);
    const remembered = this.memory.get(key);
    if (!remembered || tokenSha256(remembered.accessToken) !== sha256) return;
    this.memory.delete(key);
    this.schedule.forget(key);
  }

  /**
   * The token is answered only while it is servable. The early refresh ends before the held
   * token stops being servable, so only a stalled process gets here with a token at the margin,
   * and then the caller has none: it waits like any caller without one.
   */
  private answerable(k: TokenKey, deadline: Deadline): (served: Served) => Served | Promise<Served> {
    return (served) => (this.isServable(served.token) ? served : this.flight(`serve ${k.key}`, () => this.loadOrObtain(k, deadline)));
  }
}
