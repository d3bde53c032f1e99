import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';

/** The handler's signature, whatever module instance it comes from. */
export type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** A Lambda context as the runtime passes it, with a fresh request id. */
export function lambdaContext(remainingMs = 20_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'wll-token-vendor',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:wll-token-vendor',
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/wll-token-vendor',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** What a direct invocation returns to its caller: the result, or the runtime's error payload. */
export type InvokeOutcome =
  | { readonly ok: true; readonly result: Record<string, unknown> }
  | { readonly ok: false; readonly errorType: string; readonly errorMessage: string; readonly error: unknown };

/** Invokes like `lambda:InvokeFunction` does: a thrown error becomes errorType/errorMessage. */
export async function invokeDirect(handler: Handler, event: unknown): Promise<InvokeOutcome> {
  try {
    const result = await handler(event, lambdaContext());
    return { ok: true, result: JSON.parse(JSON.stringify(result)) as Record<string, unknown> };
  } catch (error) {
    const { name, message } = error as Error;
    return { ok: false, errorType: name, errorMessage: message, error };
  }
}

export interface ApiRequest {
  readonly method?: string;
  readonly path?: string;
  readonly query?: Record<string, string | string[]>;
  /** The API resource that matched; defaults to the path. */
  readonly resource?: string;
}

/** A REST API proxy-integration event, as API Gateway sends it. */
export function apiEvent({ method = 'GET', path = '/token', query, resource }: ApiRequest = {}): APIGatewayProxyEvent {
  const multi = query && Object.fromEntries(Object.entries(query).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
  const single = multi && Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v[v.length - 1] ?? '']));
  return {
    resource: resource ?? path,
    path,
    httpMethod: method,
    headers: { Host: 'abc123.execute-api.eu-west-1.amazonaws.com', 'X-Amz-Date': '20261129T120000Z' },
    multiValueHeaders: {},
    queryStringParameters: single ?? null,
    multiValueQueryStringParameters: multi ?? null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      httpMethod: method,
      path: `/prod${path}`,
      protocol: 'HTTP/1.1',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'res123',
      resourcePath: resource ?? path,
      stage: 'prod',
      authorizer: null,
      identity: {
        accessKey: 'AKIAEXAMPLE',
        accountId: '123456789012',
        apiKey: null,
        apiKeyId: null,
        caller: 'AROAEXAMPLE:caller',
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '127.0.0.1',
        user: 'AROAEXAMPLE:caller',
        userAgent: 'test',
        userArn: 'arn:aws:sts::123456789012:assumed-role/caller/session',
      },
    },
  };
}

export interface ApiResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
}

/** Sends an API event through the handler and parses the answer. */
export async function callApi(handler: Handler, request: ApiRequest = {}): Promise<ApiResponse> {
  const response = (await handler(apiEvent(request), lambdaContext())) as APIGatewayProxyResult;
  return {
    statusCode: response.statusCode,
    headers: (response.headers ?? {}) as Record<string, string>,
    body: JSON.parse(response.body) as Record<string, unknown>,
  };
}
