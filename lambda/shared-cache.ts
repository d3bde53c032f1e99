import { signalBefore, type Deadline } from './deadline';
import type { IssuedToken } from './issuer-response';
import type { Lease, LeaseOutcome, LeaseResult, LeaseStore } from './lease-store';
import type { MintCount, MintCounter, MintRecord } from './mint-counter';
import type { TokenSeal } from './token-seal';
import type { StoredToken, TokenPut, TokenStore } from './token-store';

export type CacheOperation = 'read' | 'write' | 'lease' | 'release' | 'count';

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
 * The DynamoDB table as the refresh protocol uses it, kept from ever failing a caller:
 * a failed or hung read is a miss, a failed write is skipped, a lease that cannot be taken
 * is reported as `unavailable` (never pretended), and every call is bounded by the
 * caller's deadline (CONTRACT section 7). Failures are reported once per pause.
 */
export class SharedCache {
  private readonly now: () => number;
  private readonly pauseMs: number;
  private readonly callCapMs: number;
  private pausedUntil = 0;

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

  write(put: TokenPut, deadline: Deadline): Promise<IssuedToken> {
    return this.guard('write', deadline, (signal) => this.tokens.put(put, signal), put.token);
  }

  acquire(key: string, leaseMs: number, deadline: Deadline): Promise<LeaseOutcome | CacheUnavailable> {
    return this.guard<LeaseOutcome | CacheUnavailable>('lease', deadline, (signal) => this.leases.acquire(key, leaseMs, signal), {
      kind: 'unavailable',
    });
  }

  async release(lease: Lease, result: LeaseResult): Promise<void> {
    try {
      await this.leases.release(lease, result, AbortSignal.timeout(RELEASE_CAP_MS));
    } catch (error) {
      this.reportFailure('release', error);
    }
  }

  countMint(credentialsRef: string, mint: MintRecord, deadline: Deadline): Promise<MintCount | undefined> {
    return this.guard('count', deadline, (signal) => this.mints.record(credentialsRef, mint, signal), undefined);
  }

  readMintCount(credentialsRef: string, deadline: Deadline): Promise<MintCount | undefined> {
    return this.guard('count', deadline, (signal) => this.mints.read(credentialsRef, signal), undefined);
  }

  private async guard<T>(operation: CacheOperation, deadline: Deadline, call: (signal: AbortSignal) => Promise<T>, fallback: T): Promise<T> {
    const now = this.now();
    // Out of time, or the table failed a moment ago: go on without it, and say nothing new.
    if (now < this.pausedUntil || deadline <= now) return fallback;
    try {
      return await call(signalBefore(deadline, this.callCapMs, now));
    } catch (error) {
      this.reportFailure(operation, error);
      return fallback;
    }
  }

  private reportFailure(operation: CacheOperation, error: unknown): void {
    const wasPaused = this.now() < this.pausedUntil;
    this.pausedUntil = this.now() + this.pauseMs;
    if (!wasPaused) this.onUnavailable(operation, error);
  }
}
