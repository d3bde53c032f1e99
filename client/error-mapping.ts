import {
  BadRequestError,
  ConfigurationError,
  CredentialsError,
  IssuerError,
  RateLimitedError,
  ServiceAccessError,
  UnexpectedError,
  type TokenClientError,
  type TokenErrorDetails,
} from './errors';
import { quotesAnAnswer, safeCause } from './error-causes';
import { oneLine } from './one-line';

export { oneLine } from './one-line';

/**
 * Turns what the service, Lambda, API Gateway or the network said into the clients'
 * typed errors. The service's own messages are safe to pass on (they never hold a
 * secret or a token); anything else is quoted only as a short field, never a body.
 */

/** When the service gives no usable wait, as its own default for a 429 without one. */
export const DEFAULT_RETRY_AFTER_SECONDS = 30;

/** `retry after N seconds`, as the service's RateLimitedError message says it. */
export function retryAfterFromMessage(message: string): number | undefined {
  const match = /retry after (\d{1,7}) seconds?/i.exec(message);
  return match ? Number(match[1]) : undefined;
}

/** A `Retry-After` header: whole seconds or an HTTP date. */
export function retryAfterFromHeader(value: string | null | undefined, nowMs = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d{1,7}$/.test(text)) return Number(text);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - nowMs) / 1000));
}

/** The service's errors by the `name` a direct invocation reports as `errorType`. */
function serviceError(errorType: string, message: string, details: TokenErrorDetails, retryAfter?: number): TokenClientError | undefined {
  switch (errorType) {
    case 'ConfigurationError':
      return new ConfigurationError(message, details);
    case 'BadRequestError':
      return new BadRequestError(message, details);
    case 'CredentialsError':
      return new CredentialsError(message, details);
    case 'IssuerError':
      return new IssuerError(message, details);
    case 'RateLimitedError':
      return new RateLimitedError(retryAfter ?? retryAfterFromMessage(message) ?? DEFAULT_RETRY_AFTER_SECONDS, message, details);
    case 'InternalError':
      return new UnexpectedError(message, details);
    default:
      return undefined;
  }
}

/**
 * The payload of an invocation that ended with `X-Amz-Function-Error` (`{errorType, errorMessage, trace}`).
 * `credentialSet`: the set the client asked for, so that a refusal naming the function's aliases
 * (a deployment without a default set, or an alias that is not a set) says what to change here.
 */
export function errorFromFunctionPayload(payload: string, functionName: string, credentialSet?: string): TokenClientError {
  let parsed: { errorType?: unknown; errorMessage?: unknown } | undefined;
  try {
    parsed = JSON.parse(payload) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  const errorType = typeof parsed?.errorType === 'string' ? parsed.errorType : undefined;
  const message = typeof parsed?.errorMessage === 'string' ? oneLine(parsed.errorMessage, 1000) : undefined;
  if (errorType === undefined || message === undefined) {
    return new UnexpectedError(`Function ${functionName} failed without an error type and message it could report.`);
  }
  if (errorType === 'BadRequestError' && /\balias/i.test(message)) {
    return new BadRequestError(`${message} ${aliasAdvice(functionName, credentialSet)}`);
  }
  return (
    serviceError(errorType, message, {}) ??
    // Runtime failures such as Sandbox.Timedout or Runtime.ImportModuleError.
    new UnexpectedError(`Function ${functionName} failed with ${oneLine(errorType, 100)}: ${message}`)
  );
}

/** What a caller of a deployment without a default set changes: the same words through either client. */
const NO_SET_ADVICE = "pass credentialSet, or --set for wll-token, with the set's name";

/** What a caller refused for its choice of alias can change on its side. */
function aliasAdvice(functionName: string, credentialSet: string | undefined): string {
  return credentialSet === undefined
    ? `(This client invoked ${functionName} without a credential set: ${NO_SET_ADVICE}.)`
    : `(This client invoked the alias ${credentialSet} of ${functionName}: the function has no credential set '${credentialSet}'; check the name and the construct's credentialSets.)`;
}

/**
 * Lambda's ResourceNotFoundException for an invocation of a set's alias: usually the alias is
 * missing (a set not deployed, or a typo), though Lambda says the same when the function is.
 * Undefined for any other failure.
 */
export function errorFromMissingAlias(error: unknown, functionName: string, credentialSet: string): ServiceAccessError | undefined {
  const e = (typeof error === 'object' && error !== null ? error : {}) as AwsLikeError;
  if (e.name !== 'ResourceNotFoundException') return undefined;
  const said = typeof e.message === 'string' && e.message !== '' ? ` (${oneLine(e.message, 300)})` : '';
  return new ServiceAccessError(
    `No alias ${credentialSet} on function ${functionName}${said}: is the set deployed? Check the set's name (the stack outputs name each set's alias ARN), the function name and the region.`,
    { status: e.$metadata?.httpStatusCode, cause: safeCause(error) },
  );
}

/** The service's HTTP error codes (CONTRACT section 5) by their errorType. */
const HTTP_CODES: Record<string, string> = {
  configuration_error: 'ConfigurationError',
  bad_request: 'BadRequestError',
  credentials_unavailable: 'CredentialsError',
  credentials_rejected: 'CredentialsError',
  issuer_error: 'IssuerError',
  rate_limited: 'RateLimitedError',
  internal_error: 'InternalError',
};

const API_ADVICE =
  'check that the URL is the stack output TokenApiUrl, that the region is right, and that this principal may call it ' +
  '(execute-api:Invoke, granted through the stack\'s allowedPrincipalArns or grantApiAccess)';

const setApiAdvice = (set: string) =>
  `check the AWS credentials and the region, that this principal may call the set's path (execute-api:Invoke on /sets/${set}/token, ` +
  `granted by grantApiAccess(grantee, { credentialSet: '${set}' }) or the set's allowedPrincipalArns), and that the set is deployed ` +
  '(API Gateway answers Missing Authentication Token for a path the API does not have, as in a deployment older than credential sets)';

/**
 * A non-2xx answer of the HTTP API: the service's `{error, message}` body, or API Gateway's own.
 * `credentialSet`: the set whose path was called, so that an unknown or ungranted set says so.
 */
export function errorFromHttpAnswer(status: number, headers: Headers, body: string, url: string, credentialSet?: string): TokenClientError {
  let parsed: Record<string, unknown> | undefined;
  try {
    const value: unknown = JSON.parse(body);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) parsed = value as Record<string, unknown>;
  } catch {
    parsed = undefined;
  }
  const code = typeof parsed?.error === 'string' ? parsed.error : undefined;
  const text = [parsed?.message, parsed?.Message].find((value): value is string => typeof value === 'string');
  const message = text === undefined ? undefined : oneLine(text, 1000);
  const details = { code, status };
  const known = code === undefined ? undefined : HTTP_CODES[code];
  if (known && message !== undefined) {
    const retryAfter = retryAfterFromHeader(headers.get('retry-after'));
    const error = serviceError(known, message, details, retryAfter);
    if (error) return error;
  }
  const said = `HTTP ${status}${message ? `: ${oneLine(message, 200)}` : ''}`;
  if (credentialSet !== undefined && (code === 'not_found' || status === 404)) {
    return new ServiceAccessError(
      `No credential set '${credentialSet}' at ${url} (${said}): is the set deployed? Check the set's name (the stack outputs name each set's API path) and the URL (the stack output TokenApiUrl).`,
      details,
    );
  }
  if (code === 'not_found' && credentialSet === undefined && message !== undefined && /no default credential set/i.test(message)) {
    // The function itself answered: the URL is right, but there is no default set to serve. The same
    // refusal as an unqualified invocation's, so both entry points say (and exit) the same.
    return new BadRequestError(`${message} (${NO_SET_ADVICE}.)`, details);
  }
  if (code === 'not_found' && credentialSet === undefined) {
    return new ServiceAccessError(
      `Nothing serves tokens at ${url} (${said}): use the stack output TokenApiUrl; a deployment with credential sets but no default set serves only /sets/<name>/token, so pass credentialSet (--set for wll-token).`,
      details,
    );
  }
  if (code === 'method_not_allowed' || status === 404) {
    return new ServiceAccessError(`Nothing serves tokens at ${url} (${said}): use the stack output TokenApiUrl.`, details);
  }
  if ((status === 401 || status === 403) && credentialSet !== undefined) {
    return new ServiceAccessError(
      `API Gateway refused the request to ${url} (${said}): ${setApiAdvice(credentialSet)}.`,
      details,
    );
  }
  if (status === 401 || status === 403) {
    return new ServiceAccessError(`API Gateway refused the request to ${url} (${said}): ${API_ADVICE}.`, details);
  }
  if (status === 429) {
    const retryAfter = retryAfterFromHeader(headers.get('retry-after'));
    const wait = retryAfter === undefined ? 'try again shortly' : `retry after ${retryAfter} seconds`;
    return new ServiceAccessError(`API Gateway is throttling requests to ${url} (${said}): ${wait}.`, { ...details, retryable: true });
  }
  if (status === 504) {
    return new ServiceAccessError(`The token service at ${url} did not answer in time (${said}): try again.`, { ...details, retryable: true });
  }
  return new UnexpectedError(`The token service at ${url} answered ${said}${code ? ` (${oneLine(code, 50)})` : ''}: try again, and check its logs if it persists.`, details);
}

interface AwsLikeError {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const THROTTLING = /Throttl|TooManyRequests|RequestLimitExceeded|EC2ThrottledException/;
const TRANSIENT = /^(ResourceNotReadyException|ResourceConflictException|ServiceException|ServiceUnavailable|InternalFailure)$/;
const NETWORK_CODES = /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|UND_ERR_\w+)$/;
// Certificate failures: the address answered, but not as the host it should be.
const TLS_CODES = /^(ERR_TLS_\w+|CERT_\w+|UNABLE_TO_\w+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_SSL_\w+)$/;

/**
 * The system error code behind a failed call, wherever the HTTP stack put it: on the error
 * (the AWS SDK), on its `cause` (fetch: `TypeError: fetch failed`), or on the errors of an
 * AggregateError (a host with several addresses, all refused). So the same refusal reads the
 * same through either client.
 */
export function networkErrorCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 4) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.test(code) || TLS_CODES.test(code))) return code;
  const inner = [cause, ...(Array.isArray(errors) ? (errors as unknown[]) : [])];
  for (const candidate of inner) {
    const found = networkErrorCode(candidate, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Why a call could not reach its target: AWS credentials or region missing, access
 * denied, throttling, network. `target` names what was called, `advice` the fix for
 * a refusal.
 */
export function errorFromCallFailure(error: unknown, target: string, refusalAdvice: string): ServiceAccessError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as AwsLikeError;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const message = typeof e.message === 'string' && !quotesAnAnswer(e) ? oneLine(e.message, 300) : '';
  const code = networkErrorCode(error);
  const status = e.$metadata?.httpStatusCode;
  const details = { status, cause: safeCause(error) };
  if (quotesAnAnswer(e)) {
    return new ServiceAccessError(
      `Could not read the answer of ${target} (${name}${status === undefined ? '' : `, HTTP ${status}`}): try again; if it goes on, check that the endpoint is AWS's (or the token vendor's).`,
      { ...details, retryable: true },
    );
  }
  if (name === 'CredentialsProviderError') {
    return new ServiceAccessError(
      `No AWS credentials found to call ${target}: configure them as the AWS CLI does (environment, profile, SSO or an instance role).`,
      details,
    );
  }
  if (/region is missing/i.test(message)) {
    return new ServiceAccessError(
      `No AWS region to call ${target} in: pass it (--region for wll-token, the region option for the clients), or set AWS_REGION or a region in the AWS config file.`,
      details,
    );
  }
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new ServiceAccessError(`${capitalized(target)} did not answer in time: try again.`, { ...details, retryable: true });
  }
  if (code !== undefined && TLS_CODES.test(code)) {
    return new ServiceAccessError(`Could not reach ${target} securely (${code}): check the address, and the certificate of a custom domain.`, details);
  }
  if (code !== undefined || (name === 'TypeError' && message === 'fetch failed')) {
    return new ServiceAccessError(`Could not reach ${target} (${code ?? 'network error'}): check the network and the address.`, {
      ...details,
      retryable: true,
    });
  }
  if (THROTTLING.test(name) || status === 429) {
    return new ServiceAccessError(`AWS is throttling calls to ${target} (${name}): try again shortly.`, { ...details, retryable: true });
  }
  if (name === 'ResourceNotFoundException') {
    return new ServiceAccessError(`${capitalized(target)} was not found (${message}): check the name and the region.`, details);
  }
  if (TRANSIENT.test(name) || (status !== undefined && status >= 500)) {
    return new ServiceAccessError(`AWS could not run ${target} just now (${name}: ${message}): try again.`, { ...details, retryable: true });
  }
  return new ServiceAccessError(`AWS refused the call to ${target} (${name}${message ? `: ${message}` : ''}): ${refusalAdvice}.`, details);
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
