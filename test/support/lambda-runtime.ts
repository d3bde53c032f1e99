import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { lambdaContext as sharedLambdaContext, restProxyEvent } from '../../scripts/local/lambda-events';

/** The handler's signature, whatever module instance it comes from. */
export type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** A Lambda context as the runtime passes it, with a fresh request id. */
export function lambdaContext(remainingMs = 20_000, qualifier?: string): Context {
  return sharedLambdaContext({ remainingMs, qualifier });
}

/** What a direct invocation returns to its caller: the result, or the runtime's error payload. */
export type InvokeOutcome =
  | { readonly ok: true; readonly result: Record<string, unknown> }
  | { readonly ok: false; readonly errorType: string; readonly errorMessage: string; readonly error: unknown };

/**
 * Invokes like `lambda:InvokeFunction` does: a thrown error becomes errorType/errorMessage.
 * `qualifier`: the alias (a credential set's name) or version invoked.
 */
export async function invokeDirect(handler: Handler, event: unknown, qualifier?: string): Promise<InvokeOutcome> {
  try {
    const result = await handler(event, lambdaContext(20_000, qualifier));
    return { ok: true, result: JSON.parse(JSON.stringify(result)) as Record<string, unknown> };
  } catch (error) {
    const { name, message } = error as Error;
    return { ok: false, errorType: name, errorMessage: message, error };
  }
}

/** A direct invocation that must succeed: its result, or an error naming what the function threw. */
export async function vendOrFail(handler: Handler, event: unknown = {}, qualifier?: string): Promise<Record<string, unknown>> {
  const outcome = await invokeDirect(handler, event, qualifier);
  if (!outcome.ok) throw new Error(`invocation failed: ${outcome.errorType}: ${outcome.errorMessage}`);
  return outcome.result;
}

export interface ApiRequest {
  readonly method?: string;
  readonly path?: string;
  readonly query?: Record<string, string | string[]>;
  /** The API resource that matched; defaults to the path. */
  readonly resource?: string;
  /** The function alias API Gateway invokes; none: the unqualified function. */
  readonly qualifier?: string;
}

/** A REST API proxy-integration event, as API Gateway sends it for a SigV4-signed caller. */
export function apiEvent({ method = 'GET', path = '/token', query, resource }: ApiRequest = {}): APIGatewayProxyEvent {
  const multi = query && Object.fromEntries(Object.entries(query).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
  return restProxyEvent({
    method,
    path,
    resource: resource ?? path,
    query: multi,
    headers: { Host: ['abc123.execute-api.eu-west-1.amazonaws.com'], 'X-Amz-Date': ['20261129T120000Z'] },
    stage: 'prod',
    identity: {
      accessKey: 'AKIAEXAMPLE',
      accountId: '123456789012',
      caller: 'AROAEXAMPLE:caller',
      user: 'AROAEXAMPLE:caller',
      userAgent: 'test',
      userArn: 'arn:aws:sts::123456789012:assumed-role/caller/session',
    },
  });
}

export interface ApiResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
}

/** Sends an API event through the handler and parses the answer. */
export async function callApi(handler: Handler, request: ApiRequest = {}): Promise<ApiResponse> {
  const response = (await handler(apiEvent(request), lambdaContext(20_000, request.qualifier))) as APIGatewayProxyResult;
  return {
    statusCode: response.statusCode,
    headers: (response.headers ?? {}) as Record<string, string>,
    body: JSON.parse(response.body) as Record<string, unknown>,
  };
}
