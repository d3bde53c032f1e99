/**
 * The scheduled entry point: an EventBridge event that refreshes every credential set's tokens
 * that are due, so callers rarely wait for the issuer.
 */
import type { CredentialSet } from '../config/credential-sets';
import { CredentialsNotSetUpError } from '../credentials/secret-format';
import { toPublicError, VendorError } from '../core/errors';
import { runInFairShares } from '../core/fair-shares';
import type { MintCount } from '../table/mint-counter';
import type { TokenService } from '../protocol/token-service';

/** An EventBridge scheduled event: the trigger of the scheduled refresh. */
export function isScheduledEvent(event: unknown): boolean {
  const fields = event as { source?: unknown; 'detail-type'?: unknown } | null;
  return typeof event === 'object' && fields?.source === 'aws.events' && fields['detail-type'] === 'Scheduled Event';
}

/**
 * How one set's run ended: `done` (every audience refreshed or current), `not-set-up` (its secret
 * still holds the stack's placeholder: an operator's next step, not a failure), `out-of-time`
 * (it failed with its share of the invocation used up, as when its WLL region hangs), `failed`.
 */
export type SetOutcome = 'done' | 'not-set-up' | 'out-of-time' | 'failed';

export interface ScheduledRefreshResult {
  readonly outcome: SetOutcome;
  /** Audiences that got a new token from the issuer in this run. */
  readonly refreshed: string[];
  /** Audiences whose token was not due, or that another container refreshed. */
  readonly current: string[];
  /** Audiences nobody has asked for yet: no token is minted for them. */
  readonly unused: string[];
  readonly failed: { audience: string; error: string; message: string }[];
  /** With `not-set-up`: what the operator has to do (not `message`, which a log line has already). */
  readonly action?: string;
  /** Tokens minted for these credentials (all audiences), from the shared count; absent when unknown. */
  readonly minted?: MintCount;
}

export interface ScheduledRefreshRun {
  readonly result: ScheduledRefreshResult;
  /** The first failure, as callers would see it; undefined unless the outcome is `failed` or `out-of-time`. */
  readonly firstError?: VendorError;
}

/**
 * A failure that ends this close to the set's deadline is reported as the set running out of
 * time: the issuer stops trying a quarter of a second before it, and a lease is let go after.
 */
const OUT_OF_TIME_MS = 1_000;

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
  const lists = { refreshed: [] as string[], current: [] as string[], unused: [] as string[], failed: [] as ScheduledRefreshResult['failed'] };
  let firstError: VendorError | undefined;
  for (const audience of config.allowedAudiences) {
    try {
      const state = await service.refreshIfDue(audience, audience === config.defaultAudience, deadlineMs);
      lists[state].push(audience);
    } catch (error) {
      // The same secret serves every audience: one placeholder says it for all of them.
      if (error instanceof CredentialsNotSetUpError) return { result: { outcome: 'not-set-up', ...lists, action: error.message } };
      const publicError = toPublicError(error, requestId);
      firstError ??= publicError;
      lists.failed.push({ audience, error: publicError.name, message: publicError.message });
    }
  }
  if (firstError) {
    const outcome = Date.now() >= deadlineMs - OUT_OF_TIME_MS ? 'out-of-time' : 'failed';
    return { result: { outcome, ...lists }, firstError };
  }
  // The month's count goes out even when nothing was minted, so the budget alarm and the
  // dashboard see it between mints. A count that cannot be read is simply not reported.
  const minted = await service.mintCount(config.defaultAudience, deadlineMs).catch(() => undefined);
  return { result: { outcome: 'done', ...lists, ...(minted && { minted }) } };
}

/**
 * Sets refreshed at once, at most. Each set refreshes its audiences one after another, so this
 * also bounds the requests sent to WLL together (its endpoints allow bursts of about 30).
 */
export const SETS_AT_ONCE = 10;

/**
 * The scheduled refresh of every credential set, side by side (at most SETS_AT_ONCE at once), each
 * within a fair share of the invocation's time (lambda/core/fair-shares.ts): a set whose WLL
 * region hangs runs out of its own time, not the others'. `runSet` wraps each set's run (its
 * telemetry); a set that fails does not stop the others. Runs come back in the order of `services`.
 */
export function refreshAllSets(
  services: ReadonlyMap<CredentialSet, TokenService>,
  deadlineMs: number,
  requestId: string,
  runSet: (set: CredentialSet, run: () => Promise<ScheduledRefreshRun>) => Promise<ScheduledRefreshRun>,
): Promise<Array<[CredentialSet, ScheduledRefreshRun]>> {
  return runInFairShares([...services], { deadline: deadlineMs, concurrency: SETS_AT_ONCE }, async ([set, service], setDeadline) => {
    const run = await runSet(set, () => refreshDueTokens(service, set, setDeadline, requestId));
    return [set, run] as [CredentialSet, ScheduledRefreshRun];
  });
}

/**
 * The scheduled refresh failed for some credential sets (with named sets). It names none of
 * them, nor their secrets: each set's outcome is in its "Scheduled refresh done" log line.
 */
export class ScheduledRefreshError extends VendorError {
  override readonly name = 'ScheduledRefreshError';
  readonly code = 'scheduled_refresh_failed';
  readonly status = 500;
}

/** The schedule's answer with named sets: how many sets ended which way, and nothing that names or describes one. */
export interface ScheduledSummary {
  readonly credentialSets: { readonly done: number; readonly notSetUp: number; readonly outOfTime: number; readonly failed: number };
}

/**
 * What the scheduled invocation answers, or throws so that Lambda counts a failed run (the
 * ScheduledRefreshFailing alarm). A set that is not set up yet is no failure. Without named sets
 * the answer is the default set's run and the error its own, as before; with them, only
 * counts, since whoever may invoke the schedule's alias need not be a caller of every set.
 */
export function scheduledAnswer(
  runs: ReadonlyArray<readonly [CredentialSet, ScheduledRefreshRun]>,
  namedSets: boolean,
  requestId: string,
): ScheduledRefreshResult | ScheduledSummary {
  if (!namedSets) {
    const [, run] = runs[0]!;
    if (run.firstError) throw run.firstError;
    return run.result;
  }
  const count = (outcome: SetOutcome) => runs.filter(([, run]) => run.result.outcome === outcome).length;
  const summary = { done: count('done'), notSetUp: count('not-set-up'), outOfTime: count('out-of-time'), failed: count('failed') };
  const failing = summary.failed + summary.outOfTime;
  if (failing > 0) {
    throw new ScheduledRefreshError(
      `The scheduled refresh failed for ${failing} credential set${failing === 1 ? '' : 's'}` +
        `${summary.outOfTime > 0 ? ` (${summary.outOfTime} out of time)` : ''}: each set's outcome is logged as ` +
        `"Scheduled refresh done" with its credentialSet, under request id ${requestId}.`,
    );
  }
  return { credentialSets: summary };
}
