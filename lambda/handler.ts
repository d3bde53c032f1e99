import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { loadConfig } from './config';
import { toPublicError } from './errors';
import { errorResponse, isApiGatewayEvent, jsonResponse, parseApiEvent } from './http';
import { countServed, createTelemetry, flushMetrics, logFailure } from './observability';
import { parseInvokeEvent, resolveAudience, type TokenRequest } from './requests';
import { isScheduledEvent, refreshDueTokens, type ScheduledRefreshResult } from './scheduled-refresh';
import { createVendor } from './service';
import { toTokenResult, type TokenResult } from './token-result';

// Built once per container. A configuration error is kept and reported by every
// invocation (CONTRACT section 1) rather than crashing the container at start.
const telemetry = createTelemetry(process.env);
const service = (() => {
  try {
    const config = loadConfig(process.env);
    return { config, vendor: createVendor(config, telemetry) };
  } catch (error) {
    return { error };
  }
})();
type Service = Exclude<typeof service, { error: unknown }>;

/**
 * One handler for direct invocations (CONTRACT section 4), the REST API (section 5)
 * and the EventBridge schedule that refreshes tokens ahead of their expiry.
 */
export async function handler(event: unknown, context: Context): Promise<TokenResult | APIGatewayProxyResult | ScheduledRefreshResult> {
  // With several invocations at once in one environment (Lambda Managed Instances,
  // npm start), Powertools keeps this context per invocation in Lambda's InvokeStore.
  telemetry.logger.addContext(context);
  const api = isApiGatewayEvent(event);
  try {
    if ('error' in service) throw service.error;
    if (isScheduledEvent(event)) return await scheduledRefresh(service, context);
    const request = api ? parseApiEvent(event) : parseInvokeEvent(event);
    const result = await vend(service, request, context);
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

async function vend({ config, vendor }: Service, request: TokenRequest, context: Context): Promise<TokenResult> {
  const audience = resolveAudience(request.audience, config);
  const token = await vendor.vend({ audience, forceRefresh: request.forceRefresh, deadlineMs: deadlineOf(context) });
  countServed(telemetry.metrics, token.source);
  const result = toTokenResult(token, Date.now());
  const { source, expiresAt, expiresIn } = result;
  telemetry.logger.info('Token vended', { audience, source, expiresAt, expiresIn, waitedMs: token.waitedMs });
  return result;
}

async function scheduledRefresh({ config, vendor }: Service, context: Context): Promise<ScheduledRefreshResult> {
  const deadlineMs = deadlineOf(context) ?? Date.now() + SCHEDULED_REFRESH_DEFAULT_MS;
  const { result, firstError } = await refreshDueTokens(vendor, config, deadlineMs, context.awsRequestId);
  telemetry.logger.info('Scheduled refresh done', { ...result });
  // Fail the invocation, so the function's error alarm sees a refresh that does not work.
  if (firstError) throw firstError;
  return result;
}

/** Leave a second for answering after the vendor's last wait or attempt. */
const ANSWER_RESERVE_MS = 1_000;
const SCHEDULED_REFRESH_DEFAULT_MS = 15_000;

function deadlineOf(context: Context): number | undefined {
  if (typeof context.getRemainingTimeInMillis !== 'function') return undefined;
  return Date.now() + context.getRemainingTimeInMillis() - ANSWER_RESERVE_MS;
}
