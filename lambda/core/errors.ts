/**
 * The function's error hierarchy (CONTRACT.md sections 4 and 5).
 *
 * Every error a caller can meet is a `VendorError`: its `name` is what a direct
 * invocation reports as `errorType`, its `code` and `status` are what the HTTP API
 * answers. Messages say what happened and what to do, and never carry a secret or
 * a token: they are built from our own words and sanitised issuer descriptions.
 *
 * Each class sets `name` from a string literal rather than `constructor.name`, so
 * the name survives minification of the bundled function.
 */
export abstract class VendorError extends Error {
  abstract override readonly name: string;
  abstract readonly code: string;
  abstract readonly status: number;

  constructor(message: string, options?: { cause?: unknown }) {
    super(boundedMessage(message), options);
  }
}

/** CONTRACT section 7: messages stay short whatever the input (they are returned and logged). */
export const MAX_MESSAGE_LENGTH = 1_000;

export function boundedMessage(message: string): string {
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH - 3)}...` : message;
}

/** A setting of CONTRACT section 1 is invalid; nothing reaches the issuer. */
export class ConfigurationError extends VendorError {
  override readonly name = 'ConfigurationError';
  readonly code = 'configuration_error';
  readonly status = 500;
}

/** The caller's event or query is malformed, or asks for an audience that is not allowed. */
export class BadRequestError extends VendorError {
  override readonly name = 'BadRequestError';
  readonly code = 'bad_request';
  readonly status = 400;
}

/**
 * The client credentials are unusable: the secret is missing or malformed
 * (`unavailable`), or the issuer refused them (`rejected`).
 */
export class CredentialsError extends VendorError {
  override readonly name = 'CredentialsError';
  readonly code: 'credentials_unavailable' | 'credentials_rejected';
  readonly status: 500 | 502;

  constructor(
    readonly reason: 'unavailable' | 'rejected',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = reason === 'rejected' ? 'credentials_rejected' : 'credentials_unavailable';
    this.status = reason === 'rejected' ? 502 : 500;
  }
}

/** The issuer could not give a usable token after retries. */
export class IssuerError extends VendorError {
  override readonly name = 'IssuerError';
  readonly code = 'issuer_error';
  readonly status = 502;

  constructor(
    message: string,
    readonly details: IssuerFailureDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What we keep of a failed issuer answer: never the body wholesale. */
export interface IssuerFailureDetails {
  /**
   * The issuer itself failed (it answered 5xx, or a request that reached it ran out its whole
   * attempt timeout): every container should stay away for a while (CONTRACT section 7). False
   * for our own deadline, network trouble on our side, or an answer we could not use.
   */
  readonly issuerFault?: boolean;
  readonly httpStatus?: number;
  readonly oauthError?: string;
  readonly oauthErrorDescription?: string;
}

/** The issuer answered 429 (or we are honouring a shared back-off). */
export class RateLimitedError extends VendorError {
  override readonly name = 'RateLimitedError';
  readonly code = 'rate_limited';
  readonly status = 503;

  constructor(
    readonly retryAfterSeconds: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** HTTP only: a path the API does not serve reached the function. */
export class NotFoundError extends VendorError {
  override readonly name = 'NotFoundError';
  readonly code = 'not_found';
  readonly status = 404;
}

/** HTTP only: a known path with a method it does not serve. */
export class MethodNotAllowedError extends VendorError {
  override readonly name = 'MethodNotAllowedError';
  readonly code = 'method_not_allowed';
  readonly status = 405;

  constructor(
    readonly allowedMethod: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Anything unexpected, as callers see it: a generic message with the request id.
 * The original is logged in full and kept as `cause`, never shown (fail closed).
 */
export class InternalError extends VendorError {
  override readonly name = 'InternalError';
  readonly code = 'internal_error';
  readonly status = 500;

  constructor(requestId: string, cause: unknown) {
    super(
      `An unexpected error occurred (request id ${requestId}); it has been logged. ` +
        'Try again, and report the request id if it persists.',
      { cause },
    );
  }
}

/** The error a caller may see: our own errors as they are, anything else as an InternalError. */
export function toPublicError(error: unknown, requestId: string): VendorError {
  return error instanceof VendorError ? error : new InternalError(requestId, error);
}
