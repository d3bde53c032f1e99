/**
 * Sizes that AWS limits, measured on a synthesized template the way AWS counts them once it is
 * deployed, with every deploy-time value at its longest: the REST API's resource policy as API
 * Gateway stores it, and a function's environment as Lambda counts it. Written apart from the
 * construct's own checks (infra/), so the tests can hold one against the other.
 */

/** A synthesized template, as Template.toJSON() gives it. */
export interface SizedTemplate {
  readonly Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/**
 * The longest partition and region of CDK's region list, an account id, and a REST API id (10
 * characters). A stack deployed anywhere has values no longer than these.
 */
export const LONGEST = { partition: 'aws-us-gov', region: 'us-isof-south-1', account: '123456789012', apiId: 'abcdefghij' } as const;

/**
 * The REST API's resource policy as API Gateway keeps it: compact JSON, each `execute-api:/` expanded
 * to `arn:<partition>:execute-api:<region>:<account>:<api id>/`.
 */
export function storedApiPolicy(template: SizedTemplate, stackName: string): string {
  const [api] = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::ApiGateway::RestApi');
  if (api === undefined) throw new Error('The template has no REST API');
  const policy = JSON.stringify(resolve(template, stackName, api.Properties?.Policy));
  const { partition, region, account, apiId } = LONGEST;
  return policy.replaceAll('"execute-api:/', `"arn:${partition}:execute-api:${region}:${account}:${apiId}/`);
}

/** The token function's environment as Lambda counts it: every variable's name and value, in UTF-8 bytes. */
export function environmentBytes(template: SizedTemplate, stackName: string): number {
  return Object.entries(environment(template, stackName)).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value), 0);
}

/** The token function's environment with deploy-time values at their longest. */
export function environment(template: SizedTemplate, stackName: string): Record<string, string> {
  const functions = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function');
  const variables = functions.map((fn) => (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables).find(
    (found) => found?.TOKEN_TABLE_NAME !== undefined,
  );
  if (variables === undefined) throw new Error('The template has no token function');
  return resolve(template, stackName, variables) as Record<string, string>;
}

/** The token function role's inline policies as IAM counts them: compact JSON, whitespace left out. */
export function functionRolePolicyLength(template: SizedTemplate, stackName: string): number {
  const policies = Object.values(template.Resources).filter(
    (resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties?.Roles).includes('FunctionRole'),
  );
  if (policies.length === 0) throw new Error('The template has no policy of the function role');
  return policies.reduce((sum, policy) => sum + JSON.stringify(resolve(template, stackName, policy.Properties?.PolicyDocument)).length, 0);
}

function resolve(template: SizedTemplate, stackName: string, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => resolve(template, stackName, item));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const [key, argument] = entries[0] ?? [];
  if (entries.length === 1 && key === 'Ref') return reference(template, stackName, String(argument));
  if (entries.length === 1 && key === 'Fn::Join') {
    const [separator, parts] = argument as [string, unknown[]];
    return (resolve(template, stackName, parts) as unknown[]).map(String).join(separator);
  }
  if (entries.length === 1 && key === 'Fn::GetAtt') return arnOf(template, stackName, String((argument as unknown[])[0]));
  if (entries.length === 1 && key?.startsWith('Fn::')) throw new Error(`No size for ${JSON.stringify(value).slice(0, 200)}`);
  return Object.fromEntries(entries.map(([name, item]) => [name, resolve(template, stackName, item)]));
}

// The ARN of the function role's table, key or log group; generated names as for a Ref.
function arnOf(template: SizedTemplate, stackName: string, logicalId: string): string {
  const { partition, region, account } = LONGEST;
  const arn = (service: string, rest: string) => `arn:${partition}:${service}:${region}:${account}:${rest}`;
  switch (template.Resources[logicalId]?.Type) {
    case 'AWS::DynamoDB::Table':
      return arn('dynamodb', `table/${reference(template, stackName, logicalId)}`);
    case 'AWS::KMS::Key':
      return arn('kms', `key/${'x'.repeat(36)}`);
    case 'AWS::Logs::LogGroup':
      return arn('logs', `log-group:${stackName}-${logicalId}-${'x'.repeat(13)}:*`);
    default:
      throw new Error(`No size for the ARN of ${logicalId}`);
  }
}

// What CloudFormation and the services make of a Ref: a secret's ARN ends in '-' and 6 random
// characters, after a name CloudFormation makes '<logical id>-<12 random>' when none is given; a
// table without a name is '<stack>-<logical id>-<13 random>'.
function reference(template: SizedTemplate, stackName: string, logicalId: string): string {
  const { partition, region, account, apiId } = LONGEST;
  const pseudo: Record<string, string> = { 'AWS::Partition': partition, 'AWS::Region': region, 'AWS::AccountId': account, 'AWS::URLSuffix': 'amazonaws.com' };
  if (logicalId in pseudo) return pseudo[logicalId]!;
  const resource = template.Resources[logicalId];
  switch (resource?.Type) {
    case 'AWS::SecretsManager::Secret': {
      const given = resource.Properties?.Name;
      const name = typeof given === 'string' ? given : `${logicalId}-xxxxxxxxxxxx`;
      return `arn:${partition}:secretsmanager:${region}:${account}:secret:${name}-xxxxxx`;
    }
    case 'AWS::DynamoDB::Table':
      return `${stackName}-${logicalId}-${'x'.repeat(13)}`;
    case 'AWS::ApiGateway::RestApi':
      return apiId;
    default:
      throw new Error(`No size for the Ref of ${logicalId} (${resource?.Type ?? 'not in the template'})`);
  }
}
