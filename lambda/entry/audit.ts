/**
 * The audit line of a vended token ("Token vended"): who got which token, by fingerprint, and
 * how much of "who" AWS vouches for.
 */
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { TokenRequest } from './token-request';
import { cameThroughApi } from './set-selection';
import { fingerprintPrefix } from '../core/token-fingerprint';
import type { VendedToken } from '../protocol/token-service';

/**
 * What the "Token vended" log line says about who got which token (issue 9), so an
 * operator can answer "who holds the token that leaked?" by its fingerprint: the SHA-256
 * prefix of the token, never the token, a signature or a credential.
 *
 * The caller's identity in an API event is API Gateway's word (after SigV4 verification) only
 * when the event came through the API's own alias, which nothing but API Gateway may invoke
 * (CONTRACT section 8); only then is it logged as `caller`, with `entry: "api"`. Anything else
 * is a direct invocation as far as anyone can prove (`entry: "invoke"`): Lambda tells the
 * function nothing about who invoked it, so the invoked ARN (with its alias) is what is
 * known, and CloudTrail data events for Lambda record the caller. An API-shaped event that
 * arrived otherwise keeps what it claims under `claimedCaller`: without named sets that is how
 * real API requests arrive (API Gateway invokes the unqualified function, as any invoker of the
 * default set can), and with them it is a forgery or a test. Its `apiRequestId` leads to the
 * API's access log, which has the verified caller when the request was real.
 */
export function auditFields(
  token: VendedToken,
  request: TokenRequest,
  invocation: { context: Context; api?: APIGatewayProxyEvent; credentialSet: string },
): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    credentialSet: invocation.credentialSet,
    audience: token.audience,
    source: token.source,
    tokenSha256Prefix: fingerprintPrefix(token.accessToken),
    expiresAt: new Date(token.expiresAt * 1000).toISOString(),
    waitedMs: token.waitedMs,
    forceRefresh: request.forceRefresh,
  };
  if (request.replacesTokenSha256) fields.replacedTokenSha256Prefix = request.replacesTokenSha256.slice(0, 12);
  const invokedFunctionArn = clean(invocation.context.invokedFunctionArn);
  const api = invocation.api;
  if (!api) return { ...fields, entry: 'invoke', invokedFunctionArn };
  const identity = apiIdentity(api);
  if (cameThroughApi(invocation.context.invokedFunctionArn)) return { ...fields, entry: 'api', invokedFunctionArn, caller: identity };
  return { ...fields, entry: 'invoke', invokedFunctionArn, claimedCaller: identity };
}

/** The caller as an API event states it; API Gateway's word only when the event came through the API's alias. */
function apiIdentity(api: APIGatewayProxyEvent): Record<string, string | undefined> {
  const identity = api.requestContext?.identity;
  return {
    userArn: clean(identity?.userArn),
    accountId: clean(identity?.accountId),
    principalOrgId: clean(identity?.principalOrgId),
    sourceIp: clean(identity?.sourceIp),
    userAgent: clean(identity?.userAgent),
    apiRequestId: clean(api.requestContext?.requestId),
  };
}

/** Request-context values come from outside: printable and short, or left out. */
function clean(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const printable = value.slice(0, 257).replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 256 ? `${printable.slice(0, 256)}...` : printable;
}
