import type { IssuedToken } from './issuer-response';
import type { Backoff, LeaseOutcome, LeaseStore } from './lease-store';
import type { TokenStore } from './token-store';

export type CacheOperation = 'read' | 'write' | 'lease';

/**
 * Keeps the function vending when DynamoDB is unavailable or throttled: a failed read
 * is a miss, a failed write is skipped, a lease that cannot be taken is not needed
 * (the in-container single flight still holds). After a failure the table is left
 * alone for a few seconds, so each request does not pay for timeouts again.
 */
export class GuardedCache implements TokenStore, LeaseStore {
  private pausedUntil = 0;

  constructor(
    private readonly tokens: TokenStore,
    private readonly leases: LeaseStore,
    private readonly onUnavailable: (operation: CacheOperation, error: unknown) => void,
    private readonly now: () => number = () => Date.now(),
    private readonly pauseMs = 5_000,
  ) {}

  get(key: string): Promise<IssuedToken | undefined> {
    return this.guard('read', () => this.tokens.get(key), undefined);
  }

  put(key: string, token: IssuedToken, audience: string): Promise<IssuedToken> {
    return this.guard('write', () => this.tokens.put(key, token, audience), token);
  }

  acquire(key: string, holder: string, leaseMs: number): Promise<LeaseOutcome> {
    return this.guard('lease', () => this.leases.acquire(key, holder, leaseMs), { acquired: true });
  }

  release(key: string, holder: string, backoff?: Backoff): Promise<void> {
    return this.guard('lease', () => this.leases.release(key, holder, backoff), undefined);
  }

  private async guard<T>(operation: CacheOperation, call: () => Promise<T>, fallback: T): Promise<T> {
    if (this.now() < this.pausedUntil) return fallback;
    try {
      return await call();
    } catch (error) {
      this.pausedUntil = this.now() + this.pauseMs;
      this.onUnavailable(operation, error);
      return fallback;
    }
  }
}
