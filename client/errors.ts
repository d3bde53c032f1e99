/**
 * The errors a caller of the token vending service can meet. The first five carry the
 * names of the service's own errors (CONTRACT section 4), whichever entry point the
 * answer came through; the last two are the caller's side: the service could not be
 * reached or would not let us in, or it answered something we do not understand.
 *
 * Each class sets `name` from a string literal, so it survives minification, and a
 * `kind` that code can switch on without a chain of `instanceof`.
 */
export type TokenErrorKind =
  | 'configuration'
  | 'bad_request'
  | 'credentials'
  | 'issuer'
  | 'rate_limited'
  | 'service_access'
  | 'unexpected';

export interface TokenErrorDetails {
  /** The HTTP API's `error` code, when the answer came from it (e.g. `credentials_rejected`). */
  readonly code?: string;
  /** The HTTP status, when the answer came from the HTTP API or API Gateway. */
  readonly status?: number;
  readonly cause?: unknown;
}

/** The base of every error the clients throw. */
export abstract class TokenClientError extends Error {
  abstract override readonly name: string;
  abstract readonly kind: TokenErrorKind;
  readonly code?: string;
  readonly status?: number;

  constructor(message: string, details: TokenErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = details.code;
    this.status = details.status;
  }
}

/** The service's configuration is invalid (an operator must fix it). */
export class ConfigurationError extends TokenClientError {
  override readonly name = 'ConfigurationError';
  readonly kind = 'configuration';
}

/** The request was refused: malformed, or an audience the service does not allow. */
export class BadRequestError extends TokenClientError {
  override readonly name = 'BadRequestError';
  readonly kind = 'bad_request';
}

/**
 * The service's WLL client credentials are unusable: its secret is missing or
 * malformed (`unavailable`), or WLL refused them (`rejected`). `reason` is known
 * when the answer came from the HTTP API.
 */
export class CredentialsError extends TokenClientError {
  override readonly name = 'CredentialsError';
  readonly kind = 'credentials';
  readonly reason?: 'unavailable' | 'rejected';

  constructor(message: string, details: TokenErrorDetails = {}) {
    super(message, details);
    if (details.code === 'credentials_unavailable') this.reason = 'unavailable';
    if (details.code === 'credentials_rejected') this.reason = 'rejected';
  }
}

/** WLL's token endpoint failed (unreachable, 5xx, timeout, invalid answer) after the service's retries. */
export class IssuerError extends TokenClientError {
  override readonly name = 'IssuerError';
  readonly kind = 'issuer';
}

/** WLL is rate limiting the service's client; try again after `retryAfterSeconds`. */
export class RateLimitedError extends TokenClientError {
  override readonly name = 'RateLimitedError';
  readonly kind = 'rate_limited';

  constructor(
    readonly retryAfterSeconds: number,
    message: string,
    details: TokenErrorDetails = {},
  ) {
    super(message, details);
  }
}

/**
 * The service could not be reached or would not let this caller in: no AWS
 * credentials or region, permission denied, function or URL not found, throttled,
 * network failure or timeout. `retryable` is true when trying again later may help.
 */
export class ServiceAccessError extends TokenClientError {
  override readonly name = 'ServiceAccessError';
  readonly kind = 'service_access';
  readonly retryable: boolean;

  constructor(message: string, details: TokenErrorDetails & { retryable?: boolean } = {}) {
    super(message, details);
    this.retryable = details.retryable ?? false;
  }
}

/** Anything else: the service failed unexpectedly, or answered something that is not a token result. */
export class UnexpectedError extends TokenClientError {
  override readonly name = 'UnexpectedError';
  readonly kind = 'unexpected';
}
