import { tokenCacheKey } from './cache-key';
import { DEFAULT_REFRESH_AHEAD_RATIO } from './config';
import type { CredentialsSource } from './credentials';
import { CredentialsError } from './errors';
import { isServable, isYoungerThanForceRefreshLimit, longestLived } from './expiry';
import type { IssuedToken } from './issuer-response';
import { RefreshSchedule } from './refresh-schedule';
import { BackoffActive, backoffError, type RefreshOutcome, type TokenRefresher } from './refresher';
import { putSecretCommand, type ClientCredentials } from './secret-format';
import type { TokenStore } from './token-store';

export type TokenSource = 'memory' | 'cache' | 'issuer';

export interface VendRequest {
  readonly audience: string;
  readonly forceRefresh: boolean;
  /** Epoch ms by which the answer is needed (the invocation's deadline). */
  readonly deadlineMs?: number;
}

export interface VendedToken extends IssuedToken {
  readonly audience: string;
  readonly source: TokenSource;
  /** Time spent waiting for another container's issuer request, in ms. */
  readonly waitedMs: number;
}

export interface VendorSettings {
  readonly tokenUrl: string;
  readonly credentialsSecretId: string;
  readonly refreshMarginSeconds: number;
  readonly refreshAheadRatio: number;
}

/** Where the vendor reports what it could not tell a caller (background refreshes). */
export interface VendorLog {
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface VendorDependencies {
  readonly credentials: CredentialsSource;
  readonly tokens: TokenStore;
  readonly refresher: TokenRefresher;
  readonly log: VendorLog;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** Without a deadline from the runtime, waits stop after this long. */
const DEFAULT_WAIT_MS = 20_000;
/**
 * The scheduled refresh renews tokens with less than this share of their life left,
 * whatever the early-refresh setting, so it keeps tokens warm even with that off.
 */
const SCHEDULED_REFRESH_RATIO = DEFAULT_REFRESH_AHEAD_RATIO;

/**
 * Decides where a token comes from: this container's memory, then the shared table,
 * then the issuer through the refresher (one request at a time per key, across
 * containers). Concurrent callers in a container share one refresh; a token in the
 * last part of its life is refreshed in the background while callers keep getting it.
 */
export class TokenVendor {
  private readonly now: () => number;
  private readonly memory = new Map<string, IssuedToken>();
  private readonly inFlight = new Map<string, Promise<RefreshOutcome>>();
  private readonly schedule: RefreshSchedule;

  constructor(
    private readonly settings: VendorSettings,
    private readonly deps: VendorDependencies,
  ) {
    this.now = deps.now ?? (() => Date.now());
    this.schedule = new RefreshSchedule(settings.refreshAheadRatio, this.now, deps.random ?? Math.random);
  }

  async vend(request: VendRequest): Promise<VendedToken> {
    return this.withCredentials((credentials) => this.vendWith(credentials, request));
  }

  /**
   * The scheduled refresh of one audience: a token that is missing or in the last part
   * of its life is refreshed (waiting for another container's refresh if need be).
   * Without a stored token, only an audience to `keepWarm` gets one.
   */
  async refreshIfDue(audience: string, options: { keepWarm: boolean; deadlineMs: number }): Promise<'refreshed' | 'current' | 'unused'> {
    return this.withCredentials(async (credentials) => {
      const key = this.keyFor(credentials, audience);
      const stored = await this.deps.tokens.get(key);
      if (!stored && !options.keepWarm) return 'unused';
      const due = (token: IssuedToken) => !this.isServable(token) || this.schedule.isInRefreshWindow(token, SCHEDULED_REFRESH_RATIO);
      if (stored && !due(stored)) {
        this.remember(key, stored);
        return 'current';
      }
      const acceptable = (token: IssuedToken) => !due(token);
      const outcome = await this.refreshShared(key, { credentials, audience, acceptable, deadlineMs: options.deadlineMs });
      return outcome.source === 'issuer' ? 'refreshed' : 'current';
    });
  }

  /** The credentials to use, re-read once at once when the issuer rejects them (CONTRACT section 2). */
  private async withCredentials<T>(use: (credentials: ClientCredentials) => Promise<T>): Promise<T> {
    const credentials = await this.deps.credentials.get();
    try {
      return await use(credentials);
    } catch (error) {
      if (!(error instanceof CredentialsError && error.reason === 'rejected')) throw error;
      // The operator may have replaced the secret since we read it: read it again,
      // and try the issuer again only if it really changed.
      this.deps.credentials.invalidate();
      const reread = await this.deps.credentials.get();
      if (sameCredentials(reread, credentials)) throw this.withSecretAdvice(error, 'unchanged');
      try {
        return await use(reread);
      } catch (retryError) {
        const rejectedAgain = retryError instanceof CredentialsError && retryError.reason === 'rejected';
        throw rejectedAgain ? this.withSecretAdvice(retryError, 'changed') : retryError;
      }
    }
  }

  private async vendWith(credentials: ClientCredentials, request: VendRequest): Promise<VendedToken> {
    const { audience, forceRefresh } = request;
    const key = this.keyFor(credentials, audience);
    const remembered = this.servable(this.memory.get(key));
    if (remembered && !forceRefresh) {
      this.refreshAheadIfDue(key, credentials, audience);
      return { ...remembered, audience, source: 'memory', waitedMs: 0 };
    }

    const stored = this.servable(await this.deps.tokens.get(key));
    const current = longestLived(remembered, stored);
    if (current && (!forceRefresh || isYoungerThanForceRefreshLimit(current, this.now()))) {
      if (current !== remembered) this.remember(key, current);
      this.refreshAheadIfDue(key, credentials, audience);
      return { ...current, audience, source: current === remembered ? 'memory' : 'cache', waitedMs: 0 };
    }

    const deadlineMs = request.deadlineMs ?? this.now() + DEFAULT_WAIT_MS;
    const acceptable = forceRefresh
      ? (token: IssuedToken) => this.isServable(token) && isYoungerThanForceRefreshLimit(token, this.now())
      : (token: IssuedToken) => this.isServable(token);
    const outcome = await this.refreshShared(key, { credentials, audience, acceptable, deadlineMs });
    return { ...outcome.token, audience, source: outcome.source, waitedMs: outcome.waitedMs };
  }

  /**
   * Gets a new token for `key` and remembers it; concurrent callers in this container
   * share one refresh. During a shared back-off this throws the caller-facing error.
   */
  private async refreshShared(
    key: string,
    request: { credentials: ClientCredentials; audience: string; acceptable: (token: IssuedToken) => boolean; deadlineMs: number },
  ): Promise<RefreshOutcome> {
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.deps.refresher
        .refresh({ key, ...request, wait: true })
        .then((outcome) => {
          // With `wait` the refresher either answers or throws.
          const { token } = outcome!;
          this.remember(key, token);
          return outcome!;
        })
        .catch((error: unknown) => {
          throw error instanceof BackoffActive ? backoffError(error.backoff, this.now()) : error;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  /** Starts a background refresh when the token is in the last part of its life. */
  private refreshAheadIfDue(key: string, credentials: ClientCredentials, audience: string): void {
    if (!this.schedule.startIfDue(key)) return;
    void this.deps.refresher
      .refresh({
        key,
        credentials,
        audience,
        acceptable: (token) => this.isServable(token) && !this.schedule.isInRefreshWindow(token),
        deadlineMs: this.now() + DEFAULT_WAIT_MS,
        wait: false,
        checkTableFirst: true,
      })
      .then((outcome) => outcome && this.remember(key, outcome.token))
      .catch((error: unknown) => {
        if (error instanceof BackoffActive) return;
        const { name, message } = error instanceof Error ? error : new Error(String(error));
        this.deps.log.warn('Background refresh failed; the current token is still served', { audience, errorName: name, errorMessage: message });
      })
      .finally(() => this.schedule.finished(key));
  }

  private keyFor(credentials: ClientCredentials, audience: string): string {
    return tokenCacheKey(this.settings.tokenUrl, credentials, audience);
  }

  private isServable(token: IssuedToken): boolean {
    return isServable(token, this.now(), this.settings.refreshMarginSeconds);
  }

  private servable(token: IssuedToken | undefined): IssuedToken | undefined {
    return token && this.isServable(token) ? token : undefined;
  }

  private remember(key: string, token: IssuedToken): void {
    // Drop what can no longer be served, so rotated credentials do not pile up.
    for (const [otherKey, other] of this.memory) if (!this.isServable(other)) this.memory.delete(otherKey);
    const known = this.memory.get(key);
    if (known && known.expiresAt >= token.expiresAt) return;
    this.memory.set(key, token);
    this.schedule.plan(key, token);
  }

  private withSecretAdvice(error: CredentialsError, secret: 'changed' | 'unchanged'): CredentialsError {
    const secretId = this.settings.credentialsSecretId;
    const reread = secret === 'unchanged' ? 'holds the same credentials' : 'held new credentials, refused as well';
    return new CredentialsError(
      'rejected',
      `${error.message} Secret ${secretId} was read again and ${reread}; ` +
        `to use other credentials, put them with ${putSecretCommand(secretId)}`,
      { cause: error },
    );
  }
}

function sameCredentials(a: ClientCredentials, b: ClientCredentials): boolean {
  return a.clientId === b.clientId && a.clientSecret === b.clientSecret;
}
