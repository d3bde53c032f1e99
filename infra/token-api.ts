import { createHash } from 'node:crypto';
import { CfnResource, FeatureFlags, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { checkPolicyLength, iamPrincipal, resourcePolicyStatements } from './api-resource-policy';
import { acknowledgeNagFinding } from './nag-acknowledgements';
import { type AllowedPrincipal, principalKey, TokenVendorSettingsError } from './settings';

export interface TokenApiOptions {
  readonly handler: lambda.Function;
  /** What the API's integration invokes: the function, or with credential sets its `api_gateway` alias. */
  readonly integrationTarget: lambda.IFunction;
  /** Explicitly allowed principals of the default set; empty means the deploying account only. */
  readonly principals: readonly AllowedPrincipal[];
  /** Whether the API serves the `default` set (`/token`, `/token/refresh`); false for a deployment of named sets only. */
  readonly defaultSet: boolean;
  /** The longest resource policy API Gateway accepts here, in characters (8,192 unless the quota was raised). */
  readonly resourcePolicyMaxLength: number;
  readonly logRetention: logs.RetentionDays;
  readonly throttlingRateLimit: number;
  readonly throttlingBurstLimit: number;
  /** The `apiCloudWatchRole` prop: undefined follows the app's feature flag, as RestApi does. */
  readonly cloudWatchRole: boolean | undefined;
  /** The API's name: unique per construct instance, so its ApiName metrics are its own. */
  readonly apiName: string;
  /** The credential sets: each gets `/sets/<name>/token` and `/sets/<name>/token/refresh`. */
  readonly credentialSets: readonly ApiCredentialSet[];
  /** Interface VPC endpoint ids of a private API; undefined for a regional one. */
  readonly vpcEndpointIds?: readonly string[];
}

/** What the API needs of a credential set. */
export interface ApiCredentialSet {
  readonly name: string;
  /** Principals of other accounts allowed this set's two methods. */
  readonly principals: readonly AllowedPrincipal[];
}

export interface TokenApi {
  readonly api: apigateway.RestApi;
  /** execute-api ARNs of the two methods of the default set on the deployed stage; empty without a default set. */
  readonly methodArns: string[];
  /** execute-api ARNs of each credential set's two methods on the deployed stage. */
  readonly setMethodArns: ReadonlyMap<string, string[]>;
}

const STAGE_NAME = 'prod';
/** The app's feature flag that turns CDK's default for RestApi's `cloudWatchRole` to false. */
export const DISABLE_CLOUDWATCH_ROLE_FLAG = '@aws-cdk/aws-apigateway:disableCloudWatchRole';
// The two routes, as the resource policy and grantApiAccess name them; a set's are below /sets/<name>.
const ROUTES = [
  { method: 'GET', path: '/token' },
  { method: 'POST', path: '/token/refresh' },
] as const;
const setRoutes = (name: string) => ROUTES.map((route) => ({ method: route.method, path: `/sets/${name}${route.path}` }));
// Every set's routes at once, for principals allowed all of them: '*' stands for the set's name.
const EVERY_SET_ROUTES = setRoutes('*');
const SET_NAME = 'method.request.path.name';
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
  const cloudWatchRole = options.cloudWatchRole ?? !FeatureFlags.of(scope).isEnabled(DISABLE_CLOUDWATCH_ROLE_FLAG);
  if (cloudWatchRole) refuseSecondAccountSetting(scope, options.cloudWatchRole === undefined);
  const accessLogs = new logs.LogGroup(scope, 'ApiAccessLogs', { retention: options.logRetention });
  const policy = new iam.PolicyDocument({ statements: resourcePolicy(options) });
  checkPolicyLength(Stack.of(scope), policy, options.resourcePolicyMaxLength);
  const api = new apigateway.RestApi(scope, 'Api', {
    restApiName: options.apiName,
    description: 'WLL token vendor: GET /token and POST /token/refresh, IAM-authorized',
    endpointConfiguration: endpointConfiguration(scope, options.vpcEndpointIds),
    cloudWatchRole,
    policy,
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
  api.latestDeployment?.addToLogicalId({
    allowedPrincipals: options.principals,
    // Only when there are any: a deployment without sets keeps its deployment's logical id.
    ...(options.credentialSets.length > 0 && { credentialSets: options.credentialSets }),
    ...(options.vpcEndpointIds !== undefined && { vpcEndpointIds: options.vpcEndpointIds }),
    ...(!options.defaultSet && { defaultSet: false }),
  });

  const integration = new apigateway.LambdaIntegration(options.integrationTarget, { proxy: true, allowTestInvoke: false });
  // Neither method declares a body model, so body validation accepts any body; it is on because
  // cdk-nag (AwsSolutions-APIG2) asks for both kinds.
  const requestValidator = api.addRequestValidator('RequestValidator', { validateRequestParameters: true, validateRequestBody: true });
  const methodOptions = (requestParameters: Record<string, boolean>): apigateway.MethodOptions => ({
    authorizationType: apigateway.AuthorizationType.IAM,
    requestParameters,
    requestValidator,
  });
  const methods: apigateway.Method[] = [];
  if (options.defaultSet) {
    const token = api.root.addResource('token');
    methods.push(
      token.addMethod('GET', integration, methodOptions({ [AUDIENCE]: false })),
      // The fingerprint of the token the WLL API refused: compare-and-refresh (CONTRACT section 4).
      token.addResource('refresh').addMethod('POST', integration, methodOptions({ [AUDIENCE]: false, [REPLACES_TOKEN_SHA256]: false })),
    );
  }
  if (options.credentialSets.length > 0) {
    // One resource with a path parameter serves every set: the function reads the set from the path
    // (CONTRACT section 8); IAM tells the sets apart by the concrete path in the request's ARN.
    const setToken = api.root.addResource('sets').addResource('{name}').addResource('token');
    methods.push(
      setToken.addMethod('GET', integration, methodOptions({ [SET_NAME]: true, [AUDIENCE]: false })),
      setToken.addResource('refresh').addMethod('POST', integration, methodOptions({ [SET_NAME]: true, [AUDIENCE]: false, [REPLACES_TOKEN_SHA256]: false })),
    );
  }

  // A listed principal may also invoke the function directly: principals of other accounts need
  // this resource-side permission (plus their own identity policy); without a list, same-account
  // callers need only the identity policy that grantInvoke() writes.
  // (A set's principals get the same on the set's alias: credential-set-resources.ts.)
  if (options.defaultSet) allowInvocations(options.handler, options.principals);
  acknowledgeApiFindings(api, methods);
  const stage = api.deploymentStage.stageName;
  const arns = (routes: ReadonlyArray<{ method: string; path: string }>) => routes.map((route) => api.arnForExecuteApi(route.method, route.path, stage));
  return {
    api,
    methodArns: options.defaultSet ? arns(ROUTES) : [],
    setMethodArns: new Map(options.credentialSets.map((set) => [set.name, arns(setRoutes(set.name))])),
  };
}

/**
 * Lets `principals` invoke `target` (the function, or a set's alias) through a resource-based
 * permission on exactly that ARN; an organization through `principalOrgId`.
 */
export function allowInvocations(target: lambda.IFunction, principals: readonly AllowedPrincipal[]): void {
  for (const principal of principals) {
    target.addPermission(`Invoke${shortHash(principalKey(principal))}`, { principal: iamPrincipal(principal), action: 'lambda:InvokeFunction' });
  }
}

/** The resource policy of CONTRACT sections 5 and 8, merged to stay small (api-resource-policy.ts). */
function resourcePolicy(options: TokenApiOptions): iam.PolicyStatement[] {
  return resourcePolicyStatements({
    stageName: STAGE_NAME,
    ...(options.defaultSet && { defaultSet: { routes: ROUTES, principals: options.principals } }),
    sets: options.credentialSets.map((set) => ({ routes: setRoutes(set.name), principals: set.principals })),
    everySetRoutes: EVERY_SET_ROUTES,
    vpcEndpointIds: options.vpcEndpointIds,
  });
}

function endpointConfiguration(scope: Construct, vpcEndpointIds: readonly string[] | undefined): apigateway.EndpointConfiguration {
  if (vpcEndpointIds === undefined) return { types: [apigateway.EndpointType.REGIONAL] };
  // Associating the endpoints also gives the API the endpoint-specific host names
  // (<api-id>-<vpce-id>.execute-api.<region>.amazonaws.com) for VPCs without private DNS.
  const vpcEndpoints = vpcEndpointIds.map((vpcEndpointId) =>
    ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(scope, `ApiVpcEndpoint-${vpcEndpointId}`, { vpcEndpointId, port: 443 }),
  );
  return { types: [apigateway.EndpointType.PRIVATE], vpcEndpoints };
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
