import type { TokenResult } from './token-result';

/** What both clients offer: a token kept in memory, renewed shortly before it expires. */
export interface TokenClient {
  /**
   * A token for the client's audience: the one in memory while it has more than
   * `refreshBeforeExpirySeconds` left, else a new answer of the service. Concurrent
   * calls share one request. Throws one of the errors in `errors.ts`.
   */
  getToken(): Promise<TokenResult>;
  /**
   * Asks the service to mint a new token (for example after WLL refused the current
   * one). The service hands out its current token when that is less than a minute old.
   */
  refreshToken(): Promise<TokenResult>;
  /** Forgets the token in memory. */
  clear(): void;
}
