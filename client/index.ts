/**
 * Clients of the WLL token vending service: `createTokenClient` for code in AWS that
 * may invoke the function, `createHttpTokenClient` for anything that can sign a
 * request to its API, and `wllAdminHeaders` to use the token.
 */
export { createTokenClient, type LambdaTokenClientOptions } from './lambda-client';
export { createHttpTokenClient, type AwsCredentials, type HttpTokenClientOptions } from './http-client';
export { wllAdminHeaders } from './headers';
export type { TokenClient } from './token-client';
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
