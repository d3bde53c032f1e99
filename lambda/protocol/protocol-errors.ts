import { CredentialsError, IssuerError, RateLimitedError } from '../core/errors';
import type { Backoff, Rejection } from '../table/lease-store';

/**
 * The errors callers see when the refresh protocol, not the issuer, stops them: a shared
 * back-off, a remembered rejection, or a wait for another container that ran out of time.
 */

export function backoffError(backoff: Backoff, nowMs: number): RateLimitedError | IssuerError {
  const seconds = Math.max(1, Math.ceil((backoff.notBeforeMs - nowMs) / 1000));
  if (backoff.reason === 'unusable_answer') {
    const said = backoff.message ?? 'The WLL token endpoint recently issued a token this function cannot use (its lifetime is the problem).';
    return new IssuerError(
      `${said} (This answer is remembered for another ${seconds} s, so the token endpoint is not asked again on every call; ` +
        'it is asked again after that.)',
    );
  }
  if (backoff.reason === 'rate_limited') {
    return new RateLimitedError(
      seconds,
      `The WLL token endpoint rate-limited this client recently and no valid token is cached: retry after ${seconds} seconds.`,
    );
  }
  return new IssuerError(
    `The WLL token endpoint failed recently and no valid token is cached; nobody asks it again for ${seconds} s. ` +
      'Retry after that; if it persists, check WLL status.',
  );
}

/**
 * A refusal another container (or an earlier call) recorded on the lease item, with when it
 * was seen: a container whose copy of the secret is older reads it again at once (CONTRACT
 * section 2). `seenAtMs` is -Infinity when the item does not say.
 */
export class RememberedRejectionError extends CredentialsError {
  constructor(
    readonly seenAtMs: number,
    message: string,
  ) {
    super('rejected', message);
  }
}

export function rememberedRejection(rejection: Rejection, nowMs: number): RememberedRejectionError {
  const seconds = Math.max(1, Math.ceil((rejection.untilMs - nowMs) / 1000));
  return new RememberedRejectionError(
    rejection.seenAtMs ?? -Infinity,
    `${rejection.message} (The refusal is remembered for another ${seconds} s, so WLL is not asked again on every call; ` +
      'new credentials in the secret are tried at once.)',
  );
}

export function gaveUpWaiting(waitedMs: number): IssuerError {
  return new IssuerError(
    `Another container has been asking the WLL token endpoint for this token; none arrived in the ${(waitedMs / 1000).toFixed(1)} s ` +
      'this invocation could wait. Try again in a few seconds.',
  );
}
