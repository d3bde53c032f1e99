/**
 * The scheduled entry point: an EventBridge event that refreshes every credential set's tokens
 * that are due, so callers rarely wait for the issuer.
 */
import type { CredentialSet } from '../config/credential-sets';
import { toPublicError, type VendorError } from '../core/errors';
import type { MintCount } from '../table/mint-counter';
import type { TokenService } from '../protocol/token-service';

/** An EventBridge scheduled event: the trigger of the scheduled refresh. */
export function isScheduledEvent(event: unknown): boolean {
  const fields = event as { source?: unknown; 'detail-type'?: unknown } | null;
  return typeof event === 'object' && fields?.source === 'aws.events' && fields['detail-type'] === 'Scheduled Event';
}

export interface ScheduledRefreshResult {
  /** Audiences that got a new token from the issuer in this run. */
  readonly refreshed: string[];
  /** Audiences whose token was not due, or that another container refreshed. */
  readonly current: string[];
  /** Audiences nobody has asked for yet: no token is minted for them. */
  readonly unused: string[];
  readonly failed: { audience: string; error: string; message: string }[];
  /** Tokens minted for these credentials (all audiences), from the shared count; absent when unknown. */
  readonly minted?: MintCount;
}

export interface ScheduledRefreshRun {
  readonly result: ScheduledRefreshResult;
  /** The first failure, as callers would see it; undefined when every audience went well. */
  readonly firstError?: VendorError;
}

/**
 * Refreshes each allowed audience that is due, so the first caller after a quiet
 * night still gets a cached token. The default audience is always kept warm;
 * another one only once somebody has asked for it.
 */
export async function refreshDueTokens(
  service: TokenService,
  config: Pick<CredentialSet, 'allowedAudiences' | 'defaultAudience'>,
  deadlineMs: number,
  requestId: string,
): Promise<ScheduledRefreshRun> {
  const result: ScheduledRefreshResult = { refreshed: [], current: [], unused: [], failed: [] };
  let firstError: VendorError | undefined;
  for (const audience of config.allowedAudiences) {
    try {
      const state = await service.refreshIfDue(audience, audience === config.defaultAudience, deadlineMs);
      result[state].push(audience);
    } catch (error) {
      const publicError = toPublicError(error, requestId);
      firstError ??= publicError;
      result.failed.push({ audience, error: publicError.name, message: publicError.message });
    }
  }
  // The month's count goes out even when nothing was minted, so the budget alarm and the
  // dashboard see it between mints. A count that cannot be read is simply not reported.
  const minted = firstError ? undefined : await service.mintCount(config.defaultAudience, deadlineMs).catch(() => undefined);
  return { result: minted ? { ...result, minted } : result, firstError };
}

/** Hooks around each set's run, so its metrics are measured and published for that set. */
export interface SetRunHooks {
  before(set: CredentialSet): void;
  after(set: CredentialSet, run: ScheduledRefreshRun): void;
}

/**
 * The scheduled refresh of every credential set, one after the other (each set's metrics
 * go out under its own name); a set that fails does not stop the others. The result maps
 * each set's name to its run; the first failure is reported after all sets ran.
 */
export async function refreshAllSets(
  services: ReadonlyMap<CredentialSet, TokenService>,
  deadlineMs: number,
  requestId: string,
  hooks: SetRunHooks,
): Promise<{ readonly results: Record<string, ScheduledRefreshResult>; readonly firstError?: VendorError }> {
  const results: Record<string, ScheduledRefreshResult> = {};
  let firstError: VendorError | undefined;
  for (const [set, service] of services) {
    hooks.before(set);
    const run = await refreshDueTokens(service, set, deadlineMs, requestId);
    hooks.after(set, run);
    results[set.name] = run.result;
    firstError ??= run.firstError;
  }
  return { results, firstError };
}
