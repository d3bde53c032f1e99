/**
 * Paces forced mints per key in this container. A compare-and-refresh mints when the refused
 * token is still the current one; when WLL refuses every token (a revoked API key, another
 * tenant's token), each replacement is refused at once and named again, and without a pause
 * every call would cost an issuer mint (CONTRACT section 4: a forced refresh cannot be used to
 * hammer the issuer). A token that young is not what is wrong: the current one is returned.
 */
import { FORCE_REFRESH_MIN_AGE_SECONDS } from '../core/token';

/** At most one forced mint per key per this long in a container: the same minute as `forceRefresh` without a fingerprint. */
export const FORCED_MINT_INTERVAL_MS = FORCE_REFRESH_MIN_AGE_SECONDS * 1000;

export class ForcedMintPacing {
  /** key → when this container last minted for it because a caller forced a refresh (epoch ms). */
  private readonly lastByKey = new Map<string, number>();

  /** Whether this container minted for `key` by force less than the interval ago. */
  isRecent(key: string, nowMs: number): boolean {
    const last = this.lastByKey.get(key);
    return last !== undefined && nowMs - last < FORCED_MINT_INTERVAL_MS;
  }

  minted(key: string, nowMs: number): void {
    // Entries older than the interval decide nothing: dropping them keeps the map small.
    for (const [other, at] of this.lastByKey) if (nowMs - at >= FORCED_MINT_INTERVAL_MS) this.lastByKey.delete(other);
    this.lastByKey.set(key, nowMs);
  }
}
