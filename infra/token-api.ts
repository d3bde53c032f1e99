import { createHash } from 'node:crypto';
import { CfnResource, FeatureFlags, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledgeNagFinding } from './nag-acknowledgements';
import { type AllowedPrincipal, TokenVendorSettingsError } from './settings';

export interface TokenApiOptions {
  readonly handler: lambda.Function;
  /** Explicitly allowed principals; empty means the deploying account only. */
  readonly principals: readonly AllowedPrincipal[];
  readonly logRetention: logs.RetentionDays;
  readonly throttlingRateLimit: number;
  readonly throttlingBurstLimit: number;
  /** The `apiCloudWatchRole` prop: undefined follows the app's feature flag, as RestApi does. */
  readonly cloudWatchRole: boolean | undefined;
  /** The API's name: unique per construct instance, so its ApiName metrics are its own. */
  readonly apiName: string;
}

export interface TokenApi {
  readonly api: apigateway.RestApi;
  /** execute-api ARNs of the two methods on the deployed stage. */
  readonly methodArns: string[];
}

const STAGE_NAME = 'prod';
/** The app's feature flag that turns CDK's default for RestApi's `cloudWatchRole` to false. */
export const DISABLE_CLOUDWATCH_ROLE_FLAG = '@aws-cdk/aws-apigateway:disableCloudWatchRole';
// The two routes, as the resource policy and grantApiAccess name them.
const ROUTES = [
  { method: 'GET', path: '/token' },
  { method: 'POST', path: '/token/refresh' },
] as const;
// Optional query strings, declared so the API documents them; the function validates their values.
const AUDIENCE = 'method.request.querystring.audience';
const REPLACES_TOKEN_SHA256 = 'method.request.querystring.replacesTokenSha256';

/**
 * The REST API of CONTRACT section 5: IAM authorization on every method, a resource policy
 * naming who may call it, the optional query strings declared, stage throttling,
 * JSON access logs and error-level execution logs (never request or response bodies: they
 * hold tokens). No CORS: callers are AWS principals signing with SigV4, not browsers.
 */
export function createTokenApi(scope: Construct, options: TokenApiOptions): TokenApi {
  const principals = options.principals.map(toIamPrincipal);
  const cloudWatchRole = options.cloudWatchRole ?? !FeatureFlags.of(scope).isEnabled(DISABLE_CLOUDWATCH_ROLE_FLAG);
  if (cloudWatchRole) refuseSecondAccountSetting(scope, options.cloudWatchRole === undefined);
  const accessLogs = new logs.LogGroup(scope, 'ApiAccessLogs', { retention: options.logRetention });
  const api = new apigateway.RestApi(scope, 'Api', {
    restApiName: options.apiName,
    description: 'WLL token vendor: GET /token and POST /token/refresh, IAM-authorized',
    endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
    cloudWatchRole,
    policy: new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          actions: ['execute-api:Invoke'],
          principals: principals.length > 0 ? principals : [new iam.AccountRootPrincipal()],
          // 'execute-api:/...' stands for this API's own ARN, which its policy cannot reference.
          resources: ROUTES.map((route) => `execute-api:/${STAGE_NAME}/${route.method}${route.path}`),
        }),
      ],
    }),
    deployOptions: {
      stageName: STAGE_NAME,
      throttlingRateLimit: options.throttlingRateLimit,
      throttlingBurstLimit: options.throttlingBurstLimit,
      accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
      accessLogFormat: accessLogFormat(),
      loggingLevel: apigateway.MethodLoggingLevel.ERROR,
      dataTraceEnabled: false,
      // Sampled X-Ray traces of the API side (the function itself is not instrumented).
      tracingEnabled: true,
    },
  });
  // The stack names its outputs itself (CONTRACT section 6); a construct should not add any.
  api.node.tryRemoveChild('Endpoint');
  // API Gateway applies a changed resource policy only with a new deployment.
  api.latestDeployment?.addToLogicalId({ allowedPrincipals: options.principals });

  const integration = new apigateway.LambdaIntegration(options.handler, { proxy: true, allowTestInvoke: false });
  // Neither method declares a body model, so body validation accepts any body; it is on because
  // cdk-nag (AwsSolutions-APIG2) asks for both kinds.
  const requestValidator = api.addRequestValidator('RequestValidator', { validateRequestParameters: true, validateRequestBody: true });
  const methodOptions = (requestParameters: Record<string, boolean>): apigateway.MethodOptions => ({
    authorizationType: apigateway.AuthorizationType.IAM,
    requestParameters,
    requestValidator,
  });
  const token = api.root.addResource('token');
  const methods = [
    token.addMethod('GET', integration, methodOptions({ [AUDIENCE]: false })),
    // The fingerprint of the token the WLL API refused: compare-and-refresh (CONTRACT section 4).
    token.addResource('refresh').addMethod('POST', integration, methodOptions({ [AUDIENCE]: false, [REPLACES_TOKEN_SHA256]: false })),
  ];

  // A listed principal may also invoke the function directly: principals of other accounts need
  // this resource-side permission (plus their own identity policy); without a list, same-account
  // callers need only the identity policy that grantInvoke() writes.
  for (const principal of options.principals) {
    options.handler.addPermission(`Invoke${shortHash(principalKey(principal))}`, {
      principal: toIamPrincipal(principal),
      action: 'lambda:InvokeFunction',
    });
  }
  acknowledgeApiFindings(api, methods);
  const stage = api.deploymentStage.stageName;
  return { api, methodArns: ROUTES.map((route) => api.arnForExecuteApi(route.method, route.path, stage)) };
}

function toIamPrincipal(principal: AllowedPrincipal): iam.IPrincipal {
  return principal.kind === 'account' ? new iam.AccountPrincipal(principal.account) : new iam.ArnPrincipal(principal.arn);
}

function principalKey(principal: AllowedPrincipal): string {
  return principal.kind === 'account' ? principal.account : principal.arn;
}

// Construct ids from the principal rather than its position, so reordering the list changes nothing.
function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 8);
}

function accessLogFormat(): apigateway.AccessLogFormat {
  const f = apigateway.AccessLogField;
  return apigateway.AccessLogFormat.custom(
    JSON.stringify({
      requestId: f.contextRequestId(),
      extendedRequestId: f.contextExtendedRequestId(),
      requestTime: f.contextRequestTime(),
      httpMethod: f.contextHttpMethod(),
      resourcePath: f.contextResourcePath(),
      status: f.contextStatus(),
      protocol: f.contextProtocol(),
      responseLength: f.contextResponseLength(),
      responseLatency: f.contextResponseLatency(),
      integrationLatency: f.contextIntegrationLatency(),
      sourceIp: f.contextIdentitySourceIp(),
      callerAccountId: f.contextIdentityAccountId(),
      userArn: f.contextIdentityUserArn(),
      userAgent: f.contextIdentityUserAgent(),
      errorMessage: f.contextErrorMessage(),
      errorType: f.contextErrorResponseType(),
    }),
  );
}

/**
 * API Gateway keeps one CloudWatch Logs role per account and region (AWS::ApiGateway::Account):
 * two in one app for the same environment would fight over it, the last one deployed winning.
 */
function refuseSecondAccountSetting(scope: Construct, byDefault: boolean): void {
  const environment = Stack.of(scope).environment;
  const existing = scope.node.root.node
    .findAll()
    .find(
      (construct) =>
        CfnResource.isCfnResource(construct) &&
        construct.cfnResourceType === 'AWS::ApiGateway::Account' &&
        Stack.of(construct).environment === environment,
    );
  if (existing !== undefined) {
    const why = byDefault ? ` (CDK's default in an app that does not set the feature flag ${DISABLE_CLOUDWATCH_ROLE_FLAG})` : '';
    throw new TokenVendorSettingsError(
      `apiCloudWatchRole is true${why}, but ${existing.node.path} already sets API Gateway's account-wide CloudWatch Logs role ` +
        'for the same account and region: set apiCloudWatchRole to false on all but one (the setting is one per account and region).',
    );
  }
}

function acknowledgeApiFindings(api: apigateway.RestApi, methods: apigateway.Method[]): void {
  acknowledgeNagFinding(
    api.deploymentStage,
    'AwsSolutions-APIG3',
    'Every method requires SigV4 (AWS_IAM) and the resource policy admits only the allowed principals, so unsigned traffic ' +
      'is rejected before it reaches the function; stage throttling bounds signed traffic. A WAF web ACL would add cost without a rule to enforce.',
  );
  for (const method of methods) {
    acknowledgeNagFinding(
      method,
      'AwsSolutions-COG4',
      'Callers are AWS principals (other Lambdas, roles): the method uses AWS_IAM authorization, not a Cognito user pool.',
    );
  }
  const role = api.node.tryFindChild('CloudWatchRole');
  if (role) {
    acknowledgeNagFinding(
      role,
      'AwsSolutions-IAM4',
      "API Gateway's account-wide logging role serves every REST API of the account and region, whose log groups it creates itself; " +
        'AWS documents this managed policy for it, and a policy scoped to this API would break the others.',
      'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
    );
  }
}
