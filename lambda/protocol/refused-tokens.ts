/**
 * The tokens callers reported refused (compare-and-refresh), kept per key so that this container's
 * memory never goes back to one of them.
 */
import type { IssuedToken } from '../core/token';
import { tokenSha256 } from '../core/token-fingerprint';

/** A key keeps at most this many refused fingerprints (each is a token that was really current). */
const MAX_PER_KEY = 8;

/**
 * Tokens that callers reported refused through compare-and-refresh (`replacesTokenSha256`),
 * per key, so this container never puts one back into its memory: with several invocations
 * at once in one environment, a table read that started before the replacement was stored
 * can answer after it. Only fingerprints of tokens this container saw as current are kept,
 * each for a bounded time, so the record stays small whatever callers send.
 */
export class RefusedTokens {
  /** key → fingerprint → until when it is kept (epoch ms). */
  private readonly byKey = new Map<string, Map<string, number>>();

  add(key: string, sha256: string, untilMs: number): void {
    const refused = this.byKey.get(key) ?? new Map<string, number>();
    refused.delete(sha256);
    refused.set(sha256, untilMs);
    // Maps keep insertion order: the oldest refusal goes first.
    for (const oldest of refused.keys()) {
      if (refused.size <= MAX_PER_KEY) break;
      refused.delete(oldest);
    }
    this.byKey.set(key, refused);
  }

  has(key: string, token: IssuedToken): boolean {
    const refused = this.byKey.get(key);
    return refused !== undefined && refused.has(tokenSha256(token.accessToken));
  }

  /** Forgets refusals kept long enough. */
  prune(nowMs: number): void {
    for (const [key, refused] of this.byKey) {
      for (const [sha256, untilMs] of refused) if (untilMs <= nowMs) refused.delete(sha256);
      if (refused.size === 0) this.byKey.delete(key);
    }
  }

  /** How many keys have refusals on record (for leak checks). */
  get size(): number {
    return this.byKey.size;
  }
}
