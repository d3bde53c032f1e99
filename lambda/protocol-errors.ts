import { CredentialsError, IssuerError, RateLimitedError } from './errors';
import type { Backoff, Rejection } from './lease-store';

/**
 * The errors callers see when the refresh protocol, not the issuer, stops them: a shared
 * back-off, a remembered rejection, or a wait for another container that ran out of time.
 */

export function backoffError(backoff: Backoff, nowMs: number): RateLimitedError | IssuerError {
  const seconds = Math.max(1, Math.ceil((backoff.notBeforeMs - nowMs) / 1000));
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

export function rememberedRejection(rejection: Rejection, nowMs: number): CredentialsError {
  const seconds = Math.max(1, Math.ceil((rejection.untilMs - nowMs) / 1000));
  return new CredentialsError(
    'rejected',
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
