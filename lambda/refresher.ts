import { randomUUID } from 'node:crypto';
import { IssuerError, RateLimitedError } from './errors';
import { isServable, secondsLeft } from './expiry';
import type { TokenIssuer } from './issuer';
import type { IssuedToken } from './issuer-response';
import type { Backoff, LeaseStore } from './lease-store';
import type { ClientCredentials } from './secret-format';
import type { TokenStore } from './token-store';

export interface RefreshRequest {
  readonly key: string;
  readonly credentials: ClientCredentials;
  readonly audience: string;
  /** Whether a token found in the table makes asking the issuer unnecessary. */
  readonly acceptable: (token: IssuedToken) => boolean;
  /** Epoch ms: no wait and no issuer attempt goes past it. */
  readonly deadlineMs: number;
  /** Wait for another container's request (true), or give up at once when one is running. */
  readonly wait: boolean;
  /** Look in the table before competing for the lease (the caller has not just done so). */
  readonly checkTableFirst?: boolean;
}

export interface RefreshOutcome {
  readonly token: IssuedToken;
  /** `cache`: another container's token, found in the table. */
  readonly source: 'cache' | 'issuer';
  /** Time spent waiting for another container's request, in ms. */
  readonly waitedMs: number;
}

/** A shared back-off is on: nobody asks the issuer before it ends. */
export class BackoffActive extends Error {
  constructor(readonly backoff: Backoff) {
    super(`issuer back-off until ${new Date(backoff.notBeforeMs).toISOString()}`);
  }
}

export interface RefresherSettings {
  /** 0: no cross-container lease, every container asks for itself. */
  readonly leaseMs: number;
  readonly refreshMarginSeconds: number;
  /** How long everyone stays away from an issuer that failed after retries. */
  readonly issuerBackoffMs?: number;
}

export interface RefresherDependencies {
  readonly cache: TokenStore & LeaseStore;
  readonly issuer: TokenIssuer;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

const FIRST_POLL_MS = 50;
const MAX_POLL_MS = 1_000;
const DEFAULT_ISSUER_BACKOFF_MS = 10_000;

/**
 * Gets a new token with at most one issuer request at a time per key across all
 * containers: the container that takes the lease asks, the others wait for its token
 * to appear in the table (short polls with backoff), and compete again if the lease
 * lapses without one.
 */
export class TokenRefresher {
  /** Identifies this container as a lease holder. */
  readonly holder = randomUUID();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly settings: RefresherSettings,
    private readonly deps: RefresherDependencies,
  ) {
    this.now = deps.now ?? (() => Date.now());
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = deps.random ?? Math.random;
  }

  /** Undefined only when `wait` is false and another container is already asking. */
  async refresh(request: RefreshRequest): Promise<RefreshOutcome | undefined> {
    const startedAt = this.now();
    const found = () => this.findInTable(request, startedAt);
    if (request.checkTableFirst) {
      const existing = await found();
      if (existing) return existing;
    }
    let pollMs = FIRST_POLL_MS;
    for (;;) {
      const lease = this.settings.leaseMs > 0 ? await this.deps.cache.acquire(request.key, this.holder, this.settings.leaseMs) : undefined;
      if (!lease || lease.acquired) return this.askIssuer(request, startedAt, lease !== undefined);
      if (lease.backoff) throw new BackoffActive(lease.backoff);
      if (!request.wait) return undefined;
      const pause = Math.round(pollMs * (0.5 + this.random() / 2));
      if (this.now() + pause > request.deadlineMs) throw this.gaveUpWaiting(startedAt);
      await this.sleep(pause);
      pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
      const arrived = await found();
      if (arrived) return arrived;
    }
  }

  private async askIssuer(request: RefreshRequest, startedAt: number, leased: boolean): Promise<RefreshOutcome> {
    const leaseEnd = this.now() + this.settings.leaseMs;
    let backoff: Backoff | undefined;
    try {
      // The previous holder may have stored its token and let go between our last
      // look and our lease: look once more before paying for a request.
      const justStored = leased ? await this.findInTable(request, startedAt) : undefined;
      if (justStored) return justStored;
      const issued = await this.deps.issuer.issue({
        credentials: request.credentials,
        audience: request.audience,
        deadlineMs: leased ? Math.min(request.deadlineMs, leaseEnd) : request.deadlineMs,
      });
      this.assertServable(issued);
      const kept = await this.deps.cache.put(request.key, issued, request.audience);
      return { token: kept, source: kept === issued ? 'issuer' : 'cache', waitedMs: 0 };
    } catch (error) {
      backoff = this.backoffAfter(error);
      throw error;
    } finally {
      if (leased) await this.deps.cache.release(request.key, this.holder, backoff);
    }
  }

  private async findInTable(request: RefreshRequest, startedAt: number): Promise<RefreshOutcome | undefined> {
    const stored = await this.deps.cache.get(request.key);
    return stored && request.acceptable(stored) ? { token: stored, source: 'cache', waitedMs: this.now() - startedAt } : undefined;
  }

  private assertServable(issued: IssuedToken): void {
    const { refreshMarginSeconds } = this.settings;
    if (!isServable(issued, this.now(), refreshMarginSeconds)) {
      throw new IssuerError(
        `The WLL token endpoint issued a token valid for ${secondsLeft(issued, this.now())} s, not more than ` +
          `TOKEN_REFRESH_MARGIN_SECONDS (${refreshMarginSeconds} s), so it can never be handed out: lower TOKEN_REFRESH_MARGIN_SECONDS.`,
      );
    }
  }

  /** After a 429 or an issuer failing despite retries, everyone stays away for a while. */
  private backoffAfter(error: unknown): Backoff | undefined {
    if (error instanceof RateLimitedError) {
      return { notBeforeMs: this.now() + error.retryAfterSeconds * 1000, reason: 'rate_limited' };
    }
    if (error instanceof IssuerError) {
      return { notBeforeMs: this.now() + (this.settings.issuerBackoffMs ?? DEFAULT_ISSUER_BACKOFF_MS), reason: 'issuer_error' };
    }
    return undefined;
  }

  private gaveUpWaiting(startedAt: number): IssuerError {
    const waited = ((this.now() - startedAt) / 1000).toFixed(1);
    return new IssuerError(
      `Another container has been asking the WLL token endpoint for this token; none arrived in the ${waited} s ` +
        'this invocation could wait. Try again in a few seconds.',
    );
  }
}

/** The error callers see while a shared back-off is on and no valid token is left. */
export function backoffError(backoff: Backoff, nowMs: number): RateLimitedError | IssuerError {
  const seconds = Math.max(1, Math.ceil((backoff.notBeforeMs - nowMs) / 1000));
  if (backoff.reason === 'rate_limited') {
    return new RateLimitedError(
      seconds,
      `The WLL token endpoint rate-limited this client recently and no valid token is cached: retry after ${seconds} seconds.`,
    );
  }
  return new IssuerError(
    `The WLL token endpoint failed recently and no valid token is cached; nobody asks it again for ${seconds} s. ` +
      'Retry after that; if it persists, check WLL status.',
  );
}
