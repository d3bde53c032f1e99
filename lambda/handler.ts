/**
 * The function's entry point (`handler`): one handler for direct invocations, the REST API and
 * the EventBridge schedule. It only routes the event, calls the token service of the right
 * credential set and maps errors to answers; everything it needs is built once per container.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { auditFields } from './entry/audit';
import { loadConfig, type CredentialSet } from './config/load-config';
import { toPublicError } from './core/errors';
import { errorResponse, isApiGatewayEvent, parseApiEvent, tokenResponse } from './entry/api-gateway';
import { countServed, createTelemetry, flushMetrics, inSetRun, logFailure, measureForSet, publishMintCount, telemetryForSet } from './telemetry/observability';
import { parseInvocation, resolveAudience, type TokenRequest } from './entry/token-request';
import { isScheduledEvent, refreshAllSets, scheduledAnswer, type ScheduledRefreshResult, type ScheduledSummary } from './entry/scheduled-refresh';
import { refuseOutsideSchedule, requireScheduleQualifier, servesNamedSets } from './entry/set-selection';
import { createTokenServices } from './wiring';
import { toTokenResult, type TokenResult } from './entry/token-result';

// Built once per container. A configuration error is kept and reported by every
// invocation (CONTRACT section 1) rather than crashing the container at start.
const telemetry = createTelemetry(process.env);
const container = (() => {
  try {
    const config = loadConfig(process.env);
    // Only where CREDENTIAL_SETS names sets: per-set metrics, and the schedule's own alias and
    // answer (CONTRACT section 8); without it, both are as before.
    const namedSets = servesNamedSets(config.credentialSets);
    return { config, services: createTokenServices(config, telemetry), namedSets };
  } catch (error) {
    return { error };
  }
})();
type Container = Exclude<typeof container, { error: unknown }>;
type ScheduledAnswer = ScheduledRefreshResult | ScheduledSummary;

/**
 * One handler for direct invocations (CONTRACT section 4), the REST API (section 5),
 * both for any credential set (section 8), and the EventBridge schedule that refreshes
 * tokens ahead of their expiry.
 */
export async function handler(event: unknown, context: Context): Promise<TokenResult | APIGatewayProxyResult | ScheduledAnswer> {
  const startedAtMs = Date.now();
  // With several invocations at once in one environment (Lambda Managed Instances,
  // npm start), Powertools keeps this context per invocation in Lambda's InvokeStore.
  telemetry.logger.addContext(context);
  const api = isApiGatewayEvent(event) ? event : undefined;
  try {
    if ('error' in container) throw container.error;
    // Which qualifier may run what is decided before any secret is read (CONTRACT section 8).
    if (isScheduledEvent(event)) {
      requireScheduleQualifier(container.config.credentialSets, context.invokedFunctionArn);
      return await scheduledRefresh(container, startedAtMs, context);
    }
    refuseOutsideSchedule(context.invokedFunctionArn);
    // The set comes from what AWS vouches for (alias, API path), before any secret is read.
    const sets = container.config.credentialSets;
    const { set, request } = api ? parseApiEvent(api, sets, context.invokedFunctionArn) : parseInvocation(event, sets, context.invokedFunctionArn);
    telemetry.logger.appendKeys({ credentialSet: set.name });
    const result = await vend(container, set, request, { startedAtMs, context, api });
    return api ? tokenResponse(result, request) : result;
  } catch (error) {
    const publicError = toPublicError(error, context.awsRequestId);
    logFailure(telemetry.logger, publicError, error);
    if (api) return errorResponse(publicError);
    throw publicError;
  } finally {
    telemetry.logger.removeKeys(['credentialSet']);
    flushMetrics(telemetry.metrics);
  }
}

async function vend(
  { services, namedSets }: Container,
  set: CredentialSet,
  request: TokenRequest,
  invocation: { startedAtMs: number; context: Context; api?: APIGatewayProxyEvent },
): Promise<TokenResult> {
  measureForSet(telemetry.metrics, set, namedSets);
  const audience = resolveAudience(request.audience, set);
  const token = await services.get(set)!.vend({ ...request, audience, deadlineMs: deadlineOf(invocation.context, invocation.startedAtMs), startedAtMs: invocation.startedAtMs });
  countServed(telemetry.metrics, token.source);
  const result = toTokenResult(token, Date.now(), set.name);
  // The audit line: who got which token (by fingerprint prefix), never the token itself.
  telemetry.logger.info('Token vended', { ...auditFields(token, request, { ...invocation, credentialSet: set.name }), expiresIn: result.expiresIn });
  return result;
}

async function scheduledRefresh({ services, namedSets }: Container, startedAtMs: number, context: Context): Promise<ScheduledAnswer> {
  const runs = await refreshAllSets(services, deadlineOf(context, startedAtMs), context.awsRequestId, (set, run) => {
    // Sets run side by side: each has telemetry of its own, so its metrics go out under its name.
    const forSet = telemetryForSet(telemetry, set);
    return inSetRun(forSet, async () => {
      measureForSet(forSet.metrics, set, namedSets);
      const done = await run();
      if (done.result.minted) publishMintCount(forSet.metrics, done.result.minted);
      forSet.logger[done.result.outcome === 'done' ? 'info' : 'warn']('Scheduled refresh done', { ...done.result });
      flushMetrics(forSet.metrics);
      return done;
    });
  });
  // A failed run throws, so that Lambda counts it and the scheduled refresh alarm sees it.
  return scheduledAnswer(runs, namedSets, context.awsRequestId);
}

/** Leave a second for answering after the last wait or call. */
const ANSWER_RESERVE_MS = 1_000;
/** Without a deadline from the runtime (a test, a local run), waits stop after this long. */
const DEFAULT_WAIT_MS = 19_000;

function deadlineOf(context: Context, startedAtMs: number): number {
  if (typeof context.getRemainingTimeInMillis !== 'function') return startedAtMs + DEFAULT_WAIT_MS;
  return Date.now() + context.getRemainingTimeInMillis() - ANSWER_RESERVE_MS;
}
