/**
 * What every entry point of the clients exports: the token's headers and fingerprint,
 * `createWllFetch`, the types and the errors. Re-exported, never imported by users directly.
 */
export { wllAdminHeaders } from './headers';
export { tokenSha256 } from './fingerprint';
export { createWllFetch, type WllFetch, type WllFetchOptions } from './wll-fetch';
export type { RefreshOptions, TokenClient } from './token-client';
export type { TokenResult, TokenSource } from './token-result';
export { DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS } from './token-cache';
export {
  BadRequestError,
  ConfigurationError,
  CredentialsError,
  IssuerError,
  RateLimitedError,
  ServiceAccessError,
  TokenClientError,
  UnexpectedError,
  type TokenErrorKind,
} from './errors';
