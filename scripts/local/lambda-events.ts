import { randomUUID } from 'node:crypto';
import type { APIGatewayEventIdentity, APIGatewayProxyEvent, Context } from 'aws-lambda';

/**
 * What the Lambda runtime and API Gateway hand the function: a context, and the REST
 * API proxy-integration event. Shared by `npm start` and the tests, so both drive the
 * handler with the same shapes.
 */

export interface ContextOptions {
  readonly requestId?: string;
  /** Time left in the invocation, as `getRemainingTimeInMillis` counts it down. */
  readonly remainingMs?: number;
  readonly functionName?: string;
  /** The alias or version invoked (`invokedFunctionArn` ends in `:<qualifier>`); none: the unqualified function. */
  readonly qualifier?: string;
}

export function lambdaContext({ requestId = randomUUID(), remainingMs = 20_000, functionName = 'wll-token-vendor', qualifier }: ContextOptions = {}): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}${qualifier === undefined ? '' : `:${qualifier}`}`,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface RestRequest {
  readonly method: string;
  readonly path: string;
  /** The API resource that matched; API Gateway sends it besides the path. */
  readonly resource: string;
  readonly query?: Record<string, string[]>;
  readonly headers?: Record<string, string[]>;
  readonly body?: string | null;
  readonly stage: string;
  readonly identity?: Partial<APIGatewayEventIdentity>;
}

const NO_IDENTITY: APIGatewayEventIdentity = {
  accessKey: null,
  accountId: null,
  apiKey: null,
  apiKeyId: null,
  caller: null,
  clientCert: null,
  cognitoAuthenticationProvider: null,
  cognitoAuthenticationType: null,
  cognitoIdentityId: null,
  cognitoIdentityPoolId: null,
  principalOrgId: null,
  sourceIp: '127.0.0.1',
  user: null,
  userAgent: null,
  userArn: null,
};

/** The event API Gateway's Lambda proxy integration sends for a request. */
export function restProxyEvent(request: RestRequest): APIGatewayProxyEvent {
  const { method, path, resource, query = {}, headers = {}, stage } = request;
  const hasQuery = Object.keys(query).length > 0;
  const last = (values: Record<string, string[]>) => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v[v.length - 1] ?? '']));
  return {
    resource,
    path,
    httpMethod: method,
    headers: last(headers),
    multiValueHeaders: headers,
    queryStringParameters: hasQuery ? last(query) : null,
    multiValueQueryStringParameters: hasQuery ? query : null,
    pathParameters: pathParameters(resource, path),
    stageVariables: null,
    body: request.body ?? null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      httpMethod: method,
      path: `/${stage}${path}`,
      protocol: 'HTTP/1.1',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: resource,
      stage,
      authorizer: null,
      identity: { ...NO_IDENTITY, ...request.identity },
    },
  };
}

/** The values of the resource's `{name}` placeholders in the path, as API Gateway fills them in. */
function pathParameters(resource: string, path: string): Record<string, string> | null {
  if (resource === '/{proxy+}') return { proxy: path.slice(1) };
  const names = [...resource.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
  const values = new RegExp(`^${resource.replace(/\{\w+\}/g, '([^/]+)')}$`).exec(path);
  if (names.length === 0 || !values) return null;
  return Object.fromEntries(names.map((name, i) => [name, values[i + 1]!]));
}
