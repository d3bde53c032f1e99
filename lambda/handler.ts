import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { auditFields } from './audit';
import { loadConfig } from './config';
import { toPublicError } from './errors';
import { errorResponse, isApiGatewayEvent, jsonResponse, parseApiEvent } from './http';
import { countServed, createTelemetry, flushMetrics, logFailure, publishMintCount } from './observability';
import { parseInvokeEvent, resolveAudience, type TokenRequest } from './requests';
import { isScheduledEvent, refreshDueTokens, type ScheduledRefreshResult } from './scheduled-refresh';
import { createTokenService } from './service';
import { toTokenResult, type TokenResult } from './token-result';

// Built once per container. A configuration error is kept and reported by every
// invocation (CONTRACT section 1) rather than crashing the container at start.
const telemetry = createTelemetry(process.env);
const container = (() => {
  try {
    const config = loadConfig(process.env);
    return { config, service: createTokenService(config, telemetry) };
  } catch (error) {
    return { error };
  }
})();
type Container = Exclude<typeof container, { error: unknown }>;

/**
 * One handler for direct invocations (CONTRACT section 4), the REST API (section 5)
 * and the EventBridge schedule that refreshes tokens ahead of their expiry.
 */
export async function handler(event: unknown, context: Context): Promise<TokenResult | APIGatewayProxyResult | ScheduledRefreshResult> {
  const startedAtMs = Date.now();
  // With several invocations at once in one environment (Lambda Managed Instances,
  // npm start), Powertools keeps this context per invocation in Lambda's InvokeStore.
  telemetry.logger.addContext(context);
  const api = isApiGatewayEvent(event) ? event : undefined;
  try {
    if ('error' in container) throw container.error;
    if (isScheduledEvent(event)) return await scheduledRefresh(container, startedAtMs, context);
    const request = api ? parseApiEvent(api) : parseInvokeEvent(event);
    const result = await vend(container, request, { startedAtMs, context, api });
    return api ? jsonResponse(200, result) : result;
  } catch (error) {
    const publicError = toPublicError(error, context.awsRequestId);
    logFailure(telemetry.logger, publicError, error);
    if (api) return errorResponse(publicError);
    throw publicError;
  } finally {
    flushMetrics(telemetry.metrics);
  }
}

async function vend(
  { config, service }: Container,
  request: TokenRequest,
  invocation: { startedAtMs: number; context: Context; api?: APIGatewayProxyEvent },
): Promise<TokenResult> {
  const audience = resolveAudience(request.audience, config);
  const token = await service.vend({ ...request, audience, deadlineMs: deadlineOf(invocation.context, invocation.startedAtMs), startedAtMs: invocation.startedAtMs });
  countServed(telemetry.metrics, token.source);
  const result = toTokenResult(token, Date.now());
  // The audit line: who got which token (by fingerprint prefix), never the token itself.
  telemetry.logger.info('Token vended', { ...auditFields(token, request, invocation), expiresIn: result.expiresIn });
  return result;
}

async function scheduledRefresh({ config, service }: Container, startedAtMs: number, context: Context): Promise<ScheduledRefreshResult> {
  const { result, firstError } = await refreshDueTokens(service, config, deadlineOf(context, startedAtMs), context.awsRequestId);
  if (result.minted) publishMintCount(telemetry.metrics, result.minted);
  telemetry.logger.info('Scheduled refresh done', { ...result });
  // Fail the invocation, so the function's error alarm sees a refresh that does not work.
  if (firstError) throw firstError;
  return result;
}

/** Leave a second for answering after the last wait or call. */
const ANSWER_RESERVE_MS = 1_000;
/** Without a deadline from the runtime (a test, a local run), waits stop after this long. */
const DEFAULT_WAIT_MS = 19_000;

function deadlineOf(context: Context, startedAtMs: number): number {
  if (typeof context.getRemainingTimeInMillis !== 'function') return startedAtMs + DEFAULT_WAIT_MS;
  return Date.now() + context.getRemainingTimeInMillis() - ANSWER_RESERVE_MS;
}
