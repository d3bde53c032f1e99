/**
 * When WLL refuses the replacement of a refused token too, the token is not what is wrong (the
 * API key, the tenant of the base URL or the token's audience is), and every further replacement
 * would cost an issuer mint and refuse again. This keeps `createWllFetch` from asking for one
 * for a while, longer each time, until a request succeeds.
 */

/** The first pause after a refused replacement; each further refused replacement doubles it. */
export const REPLACEMENT_PAUSE_MS = 60_000;
/** The longest pause: a fixed cause is still picked up within this. */
export const MAX_REPLACEMENT_PAUSE_MS = 15 * 60_000;

export class ReplacementBackoff {
  /** The token last got as a replacement, until WLL has answered a request sent with it. */
  private untried?: string;
  private pausedUntil = -Infinity;
  private pauses = 0;

  constructor(private readonly now: () => number) {}

  /** Whether a 401 should be answered as it is, without asking for a replacement. */
  get paused(): boolean {
    return this.now() < this.pausedUntil;
  }

  /** Remembers a token that replaced a refused one, to know whether WLL refuses it too. */
  replacedWith(accessToken: string): void {
    this.untried = accessToken;
  }

  /**
   * What WLL answered to a request sent with `accessToken`. A 401 to the replacement starts a
   * pause and returns its length in ms; an answer that got past authentication (below 500: a
   * 5xx may come from a proxy before it) ends the pauses.
   */
  answered(accessToken: string, status: number): number | undefined {
    if (status >= 500) return undefined;
    if (status !== 401) {
      if (accessToken === this.untried) this.untried = undefined;
      this.pauses = 0;
      this.pausedUntil = -Infinity;
      return undefined;
    }
    if (accessToken !== this.untried) return undefined;
    this.untried = undefined;
    const pauseMs = Math.min(REPLACEMENT_PAUSE_MS * 2 ** this.pauses, MAX_REPLACEMENT_PAUSE_MS);
    this.pauses += 1;
    this.pausedUntil = this.now() + pauseMs;
    return pauseMs;
  }
}
