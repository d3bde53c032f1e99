import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { loadConfig } from './config';
import { toPublicError } from './errors';
import { errorResponse, isApiGatewayEvent, jsonResponse, parseApiEvent } from './http';
import { countServed, createTelemetry, flushMetrics, logFailure } from './observability';
import { parseInvokeEvent, resolveAudience, type TokenRequest } from './requests';
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

/** One handler for direct invocations (CONTRACT section 4) and the REST API (section 5). */
export async function handler(event: unknown, context: Context): Promise<TokenResult | APIGatewayProxyResult> {
  telemetry.logger.addContext(context);
  const api = isApiGatewayEvent(event);
  try {
    if ('error' in service) throw service.error;
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

/** Leave a second for answering after the vendor's last wait or attempt. */
const ANSWER_RESERVE_MS = 1_000;

async function vend(
  { config, vendor }: Exclude<typeof service, { error: unknown }>,
  request: TokenRequest,
  context: Context,
): Promise<TokenResult> {
  const audience = resolveAudience(request.audience, config);
  const remainingMs = typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
  const deadlineMs = remainingMs === undefined ? undefined : Date.now() + remainingMs - ANSWER_RESERVE_MS;
  const token = await vendor.vend({ audience, forceRefresh: request.forceRefresh, deadlineMs });
  countServed(telemetry.metrics, token.source);
  const result = toTokenResult(token, Date.now());
  telemetry.logger.info('Token vended', { audience, source: result.source, expiresAt: result.expiresAt, expiresIn: result.expiresIn });
  return result;
}
