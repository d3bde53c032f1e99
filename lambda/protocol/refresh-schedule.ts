/**
 * When a token is due for a refresh ahead of its expiry, with jitter so containers do not line up,
 * and which keys already have a refresh under way in this container.
 */
import type { IssuedToken } from '../core/token';

/** Each container starts its refresh at a random point of the window's last fifth... */
const JITTER = 0.2;
/** ...and, when its attempt does not land, tries again after 5 to 10 s. */
const RETRY_MS = 5_000;

/**
 * When to refresh a token ahead of its expiry: once less than `ratio` of its lifetime
 * is left, with jitter so containers do not line up. Also tracks which keys have a
 * background refresh running, so a container starts at most one per key.
 */
export class RefreshSchedule {
  private readonly dueAt = new Map<string, number>();
  private readonly running = new Set<string>();

  constructor(
    private readonly ratio: number,
    private readonly now: () => number,
    private readonly random: () => number,
  ) {}

  /** Plans the refresh of a token just remembered. */
  plan(key: string, token: IssuedToken): void {
    if (this.ratio === 0) return;
    const share = this.ratio * (1 - JITTER * this.random());
    this.dueAt.set(key, token.expiresAt * 1000 - lifetimeMs(token) * share);
  }

  /** True when the token has less than the refresh-ahead share (or `ratio`) of its lifetime left. */
  isInRefreshWindow(token: IssuedToken, ratio = this.ratio): boolean {
    return ratio > 0 && token.expiresAt * 1000 - this.now() < lifetimeMs(token) * ratio;
  }

  /** True (and marked running) when a background refresh of `key` should start now. */
  startIfDue(key: string): boolean {
    const dueAt = this.dueAt.get(key);
    if (dueAt === undefined || this.now() < dueAt || this.running.has(key)) return false;
    this.running.add(key);
    this.dueAt.set(key, this.now() + RETRY_MS * (1 + this.random()));
    return true;
  }

  finished(key: string): void {
    this.running.delete(key);
  }

  /** Drops the plan of a key no longer remembered, so plans do not pile up (secret rotations, audiences). */
  forget(key: string): void {
    this.dueAt.delete(key);
  }

  /** How many keys have a refresh planned (for leak checks). */
  get size(): number {
    return this.dueAt.size;
  }
}

function lifetimeMs(token: IssuedToken): number {
  return Math.max(0, token.expiresAt - token.issuedAt) * 1000;
}
