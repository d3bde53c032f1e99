/**
 * The DynamoDB table as the protocol sees it: the token, lease and mint-count stores behind one
 * guard that never lets the table fail a caller, bounds every call by the caller's deadline, and
 * always keeps what a minted token needs.
 */
import { CLOCK_SKEW_TOLERANCE_MS } from '../core/clock-skew';
import { signalBefore, type Deadline } from '../core/deadline';
import type { IssuedToken } from '../core/token';
import { AcquisitionInDoubt, type Lease, type LeaseOutcome, type LeaseResult, type LeaseStore } from './lease-store';
import type { MintCount, MintCounter, MintRecord } from './mint-counter';
import type { TokenSeal } from './token-seal';
import type { StoredToken, TokenPut, TokenStore } from './token-store';

export type CacheOperation = 'read' | 'write' | 'lease' | 'release' | 'count';
const OPERATIONS: readonly CacheOperation[] = ['read', 'write', 'lease', 'release', 'count'];

/** The table could not be used: the caller goes on without it (in-container single flight only). */
export interface CacheUnavailable {
  readonly kind: 'unavailable';
}

export interface SharedCacheOptions {
  readonly now?: () => number;
  /** After a failure, leave the table alone this long, so each call does not pay for it again. */
  readonly pauseMs?: number;
  /** Longest one DynamoDB call (with the SDK's own retries) may take. */
  readonly callCapMs?: number;
}

const DEFAULT_PAUSE_MS = 5_000;
const DEFAULT_CALL_CAP_MS = 1_500;
/**
 * Giving a lease up is attempted even while the table is paused and past the caller's
 * deadline: a lease left behind makes every other container wait for it to lapse.
 */
const RELEASE_CAP_MS = 500;
/**
 * Storing and counting a token just minted are attempted whatever failed before, and get at
 * least this long even past the caller's deadline (and no longer while that kind of call is
 * paused): a token lost makes the next caller pay for another, and a mint not counted hides
 * it from the budget alarm.
 */
const KEEP_FLOOR_MS = 500;

/**
 * The DynamoDB table as the refresh protocol uses it, kept from ever failing a caller:
 * a failed or hung read is a miss, a failed write is skipped, a lease that cannot be taken
 * is reported as `unavailable` (never pretended), and every call is bounded by the
 * caller's deadline (CONTRACT section 7). After a failure, reads and lease acquisitions are
 * skipped for a pause, so each caller does not pay for it again: all of them when the table
 * did not answer (unreachable, hung, 5xx), only that kind when DynamoDB refused the one call
 * (throttling): a throttled read does not take the lease away. What a minted token needs (its
 * write, its count, the release of the lease) is never skipped. Failures are reported once
 * per pause and kind.
 */
export class SharedCache {
  private readonly now: () => number;
  private readonly pauseMs: number;
  private readonly callCapMs: number;
  private readonly pausedUntil = new Map<CacheOperation, number>();

  constructor(
    private readonly tokens: TokenStore,
    private readonly leases: LeaseStore,
    private readonly mints: MintCounter,
    private readonly onUnavailable: (operation: CacheOperation, error: unknown) => void,
    options: SharedCacheOptions = {},
  ) {
    this.now = options.now ?? (() => Date.now());
    this.pauseMs = options.pauseMs ?? DEFAULT_PAUSE_MS;
    this.callCapMs = options.callCapMs ?? DEFAULT_CALL_CAP_MS;
  }

  read(key: string, seal: TokenSeal, deadline: Deadline): Promise<StoredToken> {
    return this.guard('read', deadline, (signal) => this.tokens.get(key, seal, signal), { unusable: false });
  }

  /** Stores a token just minted (never skipped; see KEEP_FLOOR_MS). */
  write(put: TokenPut, deadline: Deadline): Promise<IssuedToken> {
    return this.keep('write', deadline, (signal) => this.tokens.put(put, signal), put.token);
  }

  /**
   * An acquisition that may have been applied without an answer is treated as acquired: the
   * caller asks the issuer under it and lets it go (a fenced release), and the token is stored.
   */
  acquire(key: string, leaseMs: number, deadline: Deadline): Promise<LeaseOutcome | CacheUnavailable> {
    return this.guard<LeaseOutcome | CacheUnavailable>(
      'lease',
      deadline,
      (signal) => this.leases.acquire(key, leaseMs, signal),
      { kind: 'unavailable' },
      (error) => (error instanceof AcquisitionInDoubt ? { kind: 'acquired', lease: error.lease } : undefined),
    );
  }

  async release(lease: Lease, result: LeaseResult): Promise<void> {
    try {
      await this.leases.release(lease, withSkewTolerance(result), AbortSignal.timeout(RELEASE_CAP_MS));
    } catch (error) {
      this.reportFailure('release', error);
    }
  }

  /** Counts a token just minted (never skipped; see KEEP_FLOOR_MS). */
  countMint(credentialsRef: string, mint: MintRecord, deadline: Deadline): Promise<MintCount | undefined> {
    return this.keep('count', deadline, (signal) => this.mints.record(credentialsRef, mint, signal), undefined);
  }

  readMintCount(credentialsRef: string, deadline: Deadline): Promise<MintCount | undefined> {
    return this.guard('count', deadline, (signal) => this.mints.read(credentialsRef, signal), undefined);
  }

  private async guard<T>(
    operation: CacheOperation,
    deadline: Deadline,
    call: (signal: AbortSignal) => Promise<T>,
    fallback: T,
    recover: (error: unknown) => T | undefined = () => undefined,
  ): Promise<T> {
    const now = this.now();
    // Out of time, or this kind of call failed a moment ago: go on without it, and say nothing new.
    if (this.isPaused(operation, now) || deadline <= now) return fallback;
    try {
      return await call(signalBefore(deadline, this.callCapMs, now));
    } catch (error) {
      this.reportFailure(operation, error);
      return recover(error) ?? fallback;
    }
  }

  private async keep<T>(operation: CacheOperation, deadline: Deadline, call: (signal: AbortSignal) => Promise<T>, fallback: T): Promise<T> {
    const now = this.now();
    const capMs = this.isPaused(operation, now) ? KEEP_FLOOR_MS : this.callCapMs;
    try {
      return await call(signalBefore(Math.max(deadline, now + KEEP_FLOOR_MS), capMs, now));
    } catch (error) {
      this.reportFailure(operation, error);
      return fallback;
    }
  }

  private isPaused(operation: CacheOperation, now = this.now()): boolean {
    return now < (this.pausedUntil.get(operation) ?? 0);
  }

  private reportFailure(operation: CacheOperation, error: unknown): void {
    const wasPaused = this.isPaused(operation);
    const until = this.now() + this.pauseMs;
    const refusedThisCall = (error as { $fault?: unknown } | null)?.$fault === 'client';
    for (const paused of refusedThisCall ? [operation] : OPERATIONS) this.pausedUntil.set(paused, until);
    if (!wasPaused) this.onUnavailable(operation, error);
  }
}

/**
 * What the holder learned, made to last the clock-skew tolerance longer by the readers' clocks
 * (a reader whose clock runs ahead must not end a back-off or a remembered refusal early).
 */
export function withSkewTolerance(result: LeaseResult): LeaseResult {
  return {
    ...result,
    ...(result.backoff && { backoff: { ...result.backoff, notBeforeMs: result.backoff.notBeforeMs + CLOCK_SKEW_TOLERANCE_MS } }),
    ...(result.rejection && { rejection: { ...result.rejection, untilMs: result.rejection.untilMs + CLOCK_SKEW_TOLERANCE_MS } }),
  };
}
