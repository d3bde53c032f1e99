import { checkedSha256, tokenSha256 } from './fingerprint';
import type { RefreshOptions } from './token-client';
import type { TokenResult } from './token-result';

/** Renew a token this long before it expires, so a caller never holds one about to lapse. */
export const DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS = 60;

export interface TokenCacheOptions {
  /** Fetch a new token once the cached one has less than this left. @default 60 */
  readonly refreshBeforeExpirySeconds?: number;
  /**
   * A monotonic clock in ms: only differences are used (tests pass a fake one). The wall clock
   * would serve an expired token after a step back (NTP, an operator) and renew early after a step forward.
   * @default performance.now
   */
  readonly now?: () => number;
}

/** What to ask the service: its token, or (`forceRefresh`) a new one replacing the token with that fingerprint. */
export interface TokenRequest {
  readonly forceRefresh: boolean;
  readonly replacesTokenSha256?: string;
}

/** Asks the service for a token. */
export type FetchToken = (request: TokenRequest) => Promise<TokenResult>;

interface Cached {
  readonly result: TokenResult;
  readonly sha256: string;
  /** Monotonic clock: when the token expires, measured from when it was asked for. */
  readonly expiresAtMs: number;
}

/**
 * One caller's token in memory, with one request in flight at a time: concurrent
 * callers share it, and it is forgotten when it settles, so a failure is not
 * remembered (google-auth-library's `refreshTokenPromises`).
 *
 * Expiry is measured on a monotonic clock from `expiresIn`, counted from when the request was
 * sent, so a caller whose wall clock is off, or is stepped, still renews in time; the answer's
 * absolute `expiresAt` is only reported.
 *
 * Each client owns one cache, and a client is bound to one function or URL, audience and
 * credential set: nothing is shared between clients or kept at module level, so tokens of two
 * sets never meet in one cache, however many clients a process makes.
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
    if (typeof margin !== 'number' || !Number.isFinite(margin) || margin < 0) {
      throw new RangeError(`refreshBeforeExpirySeconds must be a number of seconds, 0 or more; got ${typeof margin === 'number' ? margin : `a ${typeof margin}`}.`);
    }
    this.marginMs = margin * 1000;
    this.now = options.now ?? (() => performance.now());
  }

  /** The cached token while it has more than the margin left, else the answer of one shared request. */
  get(): Promise<TokenResult> {
    const cached = this.cached;
    if (cached && this.now() < cached.expiresAtMs - this.marginMs) return Promise.resolve(this.view(cached));
    return this.pending?.promise ?? this.start({ forceRefresh: false });
  }

  /**
   * Asks the service for a new token replacing the refused one (named, else the cached one):
   * compare-and-refresh. A cached token other than the refused one is already its replacement
   * and is returned as it is; concurrent refreshes share one request.
   */
  async refresh(options: RefreshOptions = {}): Promise<TokenResult> {
    // Everything up to the request runs synchronously, so concurrent refreshes find each other.
    const refused = refusedFingerprint(options);
    const cached = this.cached;
    if (refused !== undefined && cached && cached.sha256 !== refused && this.now() < cached.expiresAtMs - this.marginMs) {
      return this.view(cached);
    }
    if (this.pending?.forced) return this.pending.promise;
    const replaces = refused ?? cached?.sha256;
    return this.start({ forceRefresh: true, ...(replaces === undefined ? {} : { replacesTokenSha256: replaces }) });
  }

  /** Forgets the cached token; the next `get` asks the service. */
  clear(): void {
    this.cached = undefined;
    this.generation += 1;
  }

  private start(request: TokenRequest): Promise<TokenResult> {
    const generation = ++this.generation;
    const askedAt = this.now();
    const promise = this.fetchToken(request).then((result) => {
      const entry = { result, sha256: tokenSha256(result.accessToken), expiresAtMs: askedAt + result.expiresIn * 1000 };
      if (generation === this.generation) this.cached = entry;
      return this.view(entry);
    });
    const pending = { promise, forced: request.forceRefresh };
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

/** The refused token's fingerprint, when the caller named the token or gave its fingerprint. */
function refusedFingerprint(options: RefreshOptions): string | undefined {
  if (options.replacingSha256 !== undefined) return checkedSha256(options.replacingSha256);
  if (options.replacing !== undefined) return tokenSha256(options.replacing);
  return undefined;
}
