/**
 * The function's entry point (`handler`): one handler for direct invocations, the REST API and
 * the EventBridge schedule. It only routes the event, calls the token service of the right
 * credential set and maps errors to answers; everything it needs is built once per container.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { auditFields } from './entry/audit';
import { loadConfig, type CredentialSet } from './config/load-config';
import { DEFAULT_SET_NAME } from './config/credential-sets';
import { toPublicError } from './core/errors';
import { errorResponse, isApiGatewayEvent, parseApiEvent, tokenResponse } from './entry/api-gateway';
import { countServed, createTelemetry, flushMetrics, logFailure, measureForSet, publishMintCount } from './telemetry/observability';
import { parseInvocation, resolveAudience, type TokenRequest } from './entry/token-request';
import { isScheduledEvent, refreshAllSets, type ScheduledRefreshResult } from './entry/scheduled-refresh';
import { createTokenServices } from './wiring';
import { toTokenResult, type TokenResult } from './entry/token-result';

// Built once per container. A configuration error is kept and reported by every
// invocation (CONTRACT section 1) rather than crashing the container at start.
const telemetry = createTelemetry(process.env);
const container = (() => {
  try {
    const config = loadConfig(process.env);
    // Per-set metrics only where CREDENTIAL_SETS names sets: without it, metrics are as before.
    const perSetMetrics = config.credentialSets.some((set) => set.name !== DEFAULT_SET_NAME);
    return { config, services: createTokenServices(config, telemetry), perSetMetrics };
  } catch (error) {
    return { error };
  }
})();
type Container = Exclude<typeof container, { error: unknown }>;
type ScheduledAnswer = ScheduledRefreshResult | { credentialSets: Record<string, ScheduledRefreshResult> };

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
    if (isScheduledEvent(event)) return await scheduledRefresh(container, startedAtMs, context);
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
  { services, perSetMetrics }: Container,
  set: CredentialSet,
  request: TokenRequest,
  invocation: { startedAtMs: number; context: Context; api?: APIGatewayProxyEvent },
): Promise<TokenResult> {
  measureForSet(telemetry.metrics, set, perSetMetrics);
  const audience = resolveAudience(request.audience, set);
  const token = await services.get(set)!.vend({ ...request, audience, deadlineMs: deadlineOf(invocation.context, invocation.startedAtMs), startedAtMs: invocation.startedAtMs });
  countServed(telemetry.metrics, token.source);
  const result = toTokenResult(token, Date.now(), set.name);
  // The audit line: who got which token (by fingerprint prefix), never the token itself.
  telemetry.logger.info('Token vended', { ...auditFields(token, request, { ...invocation, credentialSet: set.name }), expiresIn: result.expiresIn });
  return result;
}

async function scheduledRefresh({ services, perSetMetrics }: Container, startedAtMs: number, context: Context): Promise<ScheduledAnswer> {
  const { results, firstError } = await refreshAllSets(services, deadlineOf(context, startedAtMs), context.awsRequestId, {
    before: (set) => {
      telemetry.logger.appendKeys({ credentialSet: set.name });
      measureForSet(telemetry.metrics, set, perSetMetrics);
    },
    after: (_set, { result }) => {
      if (result.minted) publishMintCount(telemetry.metrics, result.minted);
      telemetry.logger.info('Scheduled refresh done', { ...result });
      // Each set's metrics go out under its own name before the next set runs.
      flushMetrics(telemetry.metrics);
    },
  });
  // Fail the invocation, so the function's error alarm sees a refresh that does not work.
  if (firstError) throw firstError;
  return perSetMetrics ? { credentialSets: results } : results[DEFAULT_SET_NAME]!;
}

/** Leave a second for answering after the last wait or call. */
const ANSWER_RESERVE_MS = 1_000;
/** Without a deadline from the runtime (a test, a local run), waits stop after this long. */
const DEFAULT_WAIT_MS = 19_000;

function deadlineOf(context: Context, startedAtMs: number): number {
  if (typeof context.getRemainingTimeInMillis !== 'function') return startedAtMs + DEFAULT_WAIT_MS;
  return Date.now() + context.getRemainingTimeInMillis() - ANSWER_RESERVE_MS;
}
