import { tokenCacheKey } from './cache-key';
import type { CredentialsSource } from './credentials';
import { CredentialsError, IssuerError } from './errors';
import { isServable, isYoungerThanForceRefreshLimit, longestLived, secondsLeft } from './expiry';
import type { TokenIssuer } from './issuer';
import type { IssuedToken } from './issuer-response';
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
}

export interface VendorSettings {
  readonly tokenUrl: string;
  readonly credentialsSecretId: string;
  readonly refreshMarginSeconds: number;
}

export interface VendorDependencies {
  readonly credentials: CredentialsSource;
  readonly store: TokenStore;
  readonly issuer: TokenIssuer;
  readonly now?: () => number;
}

/**
 * Decides where a token comes from: this container's memory, then the shared table,
 * then the issuer. Concurrent callers needing the same new token share one request.
 */
export class TokenVendor {
  private readonly now: () => number;
  private readonly memory = new Map<string, IssuedToken>();
  private readonly inFlight = new Map<string, Promise<VendedToken>>();

  constructor(
    private readonly settings: VendorSettings,
    private readonly deps: VendorDependencies,
  ) {
    this.now = deps.now ?? (() => Date.now());
  }

  async vend(request: VendRequest): Promise<VendedToken> {
    const credentials = await this.deps.credentials.get();
    try {
      return await this.vendWith(credentials, request);
    } catch (error) {
      if (!(error instanceof CredentialsError && error.reason === 'rejected')) throw error;
      // The operator may have replaced the secret since we read it: read it again at
      // once, and try the issuer again only if it really changed.
      this.deps.credentials.invalidate();
      const reread = await this.deps.credentials.get();
      if (sameCredentials(reread, credentials)) throw this.withSecretAdvice(error, 'unchanged');
      try {
        return await this.vendWith(reread, request);
      } catch (retryError) {
        const rejectedAgain = retryError instanceof CredentialsError && retryError.reason === 'rejected';
        throw rejectedAgain ? this.withSecretAdvice(retryError, 'changed') : retryError;
      }
    }
  }

  private async vendWith(credentials: ClientCredentials, request: VendRequest): Promise<VendedToken> {
    const key = tokenCacheKey(this.settings.tokenUrl, credentials, request.audience);
    const remembered = this.servable(this.memory.get(key));
    if (remembered && !request.forceRefresh) return this.answer(remembered, request.audience, 'memory');

    const stored = this.servable(await this.deps.store.get(key));
    const current = longestLived(remembered, stored);
    if (current && (!request.forceRefresh || isYoungerThanForceRefreshLimit(current, this.now()))) {
      this.remember(key, current);
      return this.answer(current, request.audience, current === remembered ? 'memory' : 'cache');
    }
    return this.shared(key, () => this.mint(key, credentials, request));
  }

  /** One in-flight mint per key in this container; later callers join it. */
  private shared(key: string, mint: () => Promise<VendedToken>): Promise<VendedToken> {
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = mint().finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async mint(key: string, credentials: ClientCredentials, request: VendRequest): Promise<VendedToken> {
    const issued = await this.deps.issuer.issue({ credentials, audience: request.audience, deadlineMs: request.deadlineMs });
    if (!isServable(issued, this.now(), this.settings.refreshMarginSeconds)) {
      throw new IssuerError(
        `The WLL token endpoint issued a token valid for ${secondsLeft(issued, this.now())} s, not more than ` +
          `TOKEN_REFRESH_MARGIN_SECONDS (${this.settings.refreshMarginSeconds} s), so it can never be handed out: ` +
          'lower TOKEN_REFRESH_MARGIN_SECONDS.',
      );
    }
    const kept = await this.deps.store.put(key, issued, request.audience);
    this.remember(key, kept);
    return this.answer(kept, request.audience, kept === issued ? 'issuer' : 'cache');
  }

  private servable(token: IssuedToken | undefined): IssuedToken | undefined {
    return token && isServable(token, this.now(), this.settings.refreshMarginSeconds) ? token : undefined;
  }

  private remember(key: string, token: IssuedToken): void {
    // Drop what can no longer be served, so rotated credentials do not pile up.
    for (const [otherKey, other] of this.memory) if (!this.servable(other)) this.memory.delete(otherKey);
    this.memory.set(key, token);
  }

  private answer(token: IssuedToken, audience: string, source: TokenSource): VendedToken {
    return { ...token, audience, source };
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
