import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { TokenRequest } from './token-request';
import { fingerprintPrefix } from '../core/token-fingerprint';
import type { VendedToken } from '../protocol/token-service';

/**
 * What the "Token vended" log line says about who got which token (issue 9), so an
 * operator can answer "who holds the token that leaked?" by its fingerprint: the SHA-256
 * prefix of the token, never the token, a signature or a credential.
 *
 * Over the API, API Gateway puts the caller's IAM identity in the request context (after
 * SigV4 verification). A direct invocation carries no caller identity: Lambda tells the
 * function nothing about who invoked it, so only the ARN it was invoked by (with the
 * version or alias) is logged; CloudTrail data events for Lambda record the caller.
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
  const api = invocation.api;
  if (!api) return { ...fields, entry: 'invoke', invokedFunctionArn: clean(invocation.context.invokedFunctionArn) };
  const identity = api.requestContext?.identity;
  return {
    ...fields,
    entry: 'api',
    caller: {
      userArn: clean(identity?.userArn),
      accountId: clean(identity?.accountId),
      principalOrgId: clean(identity?.principalOrgId),
      sourceIp: clean(identity?.sourceIp),
      userAgent: clean(identity?.userAgent),
      apiRequestId: clean(api.requestContext?.requestId),
    },
  };
}

/** Request-context values come from outside: printable and short, or left out. */
function clean(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const printable = value.slice(0, 257).replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 256 ? `${printable.slice(0, 256)}...` : printable;
}
