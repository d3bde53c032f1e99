import type { TokenResult } from './token-result';

/** Which token a refresh replaces: the one WLL refused. */
export interface RefreshOptions {
  /**
   * The token WLL refused (the string, or the result of `getToken()`): the service mints a new
   * one only if it still hands out this one, and otherwise returns its newer token.
   * @default the token this client holds
   */
  readonly replacing?: string | Pick<TokenResult, 'accessToken'>;
  /** The refused token's fingerprint (`tokenSha256(token)`), instead of the token itself. */
  readonly replacingSha256?: string;
}

/** What both clients offer: a token kept in memory, renewed shortly before it expires. */
export interface TokenClient {
  /**
   * The credential set this client gets tokens of: its `credentialSet`, else `default`. Undefined
   * only when the set cannot be known (a `functionName` naming a qualifier, without `credentialSet`).
   * Answers for another set are refused.
   */
  readonly credentialSet?: string;
  /**
   * A token for the client's audience: the one in memory while it has more than
   * `refreshBeforeExpirySeconds` left, else a new answer of the service. Concurrent
   * calls share one request. Throws a `TokenClientError` (see `errors.ts`).
   */
  getToken(): Promise<TokenResult>;
  /**
   * Asks the service for a new token because WLL refused the current one (its `forceRefresh`,
   * with the refused token's fingerprint: compare-and-refresh). The service mints only if the
   * refused token is still its current one; callers refused at the same time, in any number of
   * processes, cause one new token. When this client already holds a token other than the
   * refused one, it returns that without asking. Concurrent refreshes share one request.
   * Without any token to name, the service mints unless its token is less than a minute old.
   */
  refreshToken(options?: RefreshOptions): Promise<TokenResult>;
  /** Forgets the token in memory. */
  clear(): void;
}
