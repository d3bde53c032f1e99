import type { TokenResult } from './token-result';

/** Renew a token this long before it expires, so a caller never holds one about to lapse. */
export const DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS = 60;

export interface TokenCacheOptions {
  /** Fetch a new token once the cached one has less than this left. @default 60 */
  readonly refreshBeforeExpirySeconds?: number;
  /** The clock, in epoch milliseconds (tests pass a fake one). @default Date.now */
  readonly now?: () => number;
}

/** Asks the service for a token; `forceRefresh` asks it to mint a new one. */
export type FetchToken = (forceRefresh: boolean) => Promise<TokenResult>;

interface Cached {
  readonly result: TokenResult;
  /** Local clock: when the token expires, measured from when it was asked for. */
  readonly expiresAtMs: number;
}

/**
 * One caller's token in memory, with one request in flight at a time: concurrent
 * callers share it, and it is forgotten when it settles, so a failure is not
 * remembered (google-auth-library's `refreshTokenPromises`).
 *
 * Expiry is measured with the local clock from `expiresIn`, counted from when the
 * request was sent, so a caller whose clock is off still renews in time.
 */
export class TokenCache {
  private readonly marginMs: number;
  private readonly now: () => number;
  private cached?: Cached;
  private pending?: { readonly promise: Promise<TokenResult>; readonly forced: boolean };
  /** Bumped by `refresh` and `clear`: an older request's answer is returned but not kept. */
  private generation = 0;

  constructor(
    private readonly fetchToken: FetchToken,
    options: TokenCacheOptions = {},
  ) {
    const margin = options.refreshBeforeExpirySeconds ?? DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS;
    if (!Number.isFinite(margin) || margin < 0) {
      throw new RangeError(`refreshBeforeExpirySeconds must be a number of seconds, 0 or more; got ${margin}.`);
    }
    this.marginMs = margin * 1000;
    this.now = options.now ?? (() => Date.now());
  }

  /** The cached token while it has more than the margin left, else the answer of one shared request. */
  get(): Promise<TokenResult> {
    const cached = this.cached;
    if (cached && this.now() < cached.expiresAtMs - this.marginMs) return Promise.resolve(this.view(cached));
    return this.pending?.promise ?? this.start(false);
  }

  /** Asks the service for a new token (its `forceRefresh`), whatever is cached; concurrent refreshes share one request. */
  refresh(): Promise<TokenResult> {
    if (this.pending?.forced) return this.pending.promise;
    return this.start(true);
  }

  /** Forgets the cached token; the next `get` asks the service. */
  clear(): void {
    this.cached = undefined;
    this.generation += 1;
  }

  private start(forced: boolean): Promise<TokenResult> {
    const generation = ++this.generation;
    const askedAt = this.now();
    const promise = this.fetchToken(forced).then((result) => {
      const entry = { result, expiresAtMs: askedAt + result.expiresIn * 1000 };
      if (generation === this.generation) this.cached = entry;
      return this.view(entry);
    });
    const pending = { promise, forced };
    this.pending = pending;
    const settle = () => {
      if (this.pending === pending) this.pending = undefined;
    };
    promise.then(settle, settle);
    return promise;
  }

  /** The result with `expiresIn` counted down to now. */
  private view({ result, expiresAtMs }: Cached): TokenResult {
    return { ...result, expiresIn: Math.max(0, Math.floor((expiresAtMs - this.now()) / 1000)) };
  }
}
