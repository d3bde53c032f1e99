import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { TemplateResolver } from './template-resolver';

/** An IAM policy document, resolved. */
export interface PolicyDocument {
  readonly Version: string;
  readonly Statement: unknown[];
}

/** Who makes a request, and what AWS vouches for about it in the request context. */
export interface Caller {
  /** The principal's ARN (a role's ARN for a role session: aws:PrincipalArn). */
  readonly arn: string;
  /** The principal's identity policies. */
  readonly identityPolicies: readonly PolicyDocument[];
  /** The organization of the principal's account (aws:PrincipalOrgID), if any. */
  readonly organizationId?: string;
}

/** The simulator's verdict. */
export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

/** An identity policy that allows everything: a caller in another account whose own account lets it do anything. */
export const ALLOW_EVERYTHING: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/**
 * The identity policies of a role in `stack`: every AWS::IAM::Policy attached to it and its inline
 * policies, resolved (the grant methods write AWS::IAM::Policy resources).
 */
export function roleIdentityPolicies(resolver: TemplateResolver, stack: string, roleLogicalId: string): PolicyDocument[] {
  const attached = resolver
    .resourcesOfType(stack, 'AWS::IAM::Policy')
    .filter(([, properties]) => ((properties.Roles as unknown[] | undefined) ?? []).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId })))
    .map(([, properties]) => resolver.resolve(stack, properties.PolicyDocument) as PolicyDocument);
  const [, role] = resolver.resourcesOfType(stack, 'AWS::IAM::Role').find(([id]) => id === roleLogicalId) ?? [];
  if (role === undefined) throw new Error(`Stack ${stack} has no role ${roleLogicalId}`);
  const inline = ((role.Policies as Array<{ PolicyDocument: unknown }> | undefined) ?? []).map(
    (policy) => resolver.resolve(stack, policy.PolicyDocument) as PolicyDocument,
  );
  return [...attached, ...inline];
}

/** The ARN of a role of `stack`, as deployed in the simulation. */
export function roleArn(resolver: TemplateResolver, stack: string, roleLogicalId: string): string {
  return resolver.resolveString(stack, { 'Fn::GetAtt': [roleLogicalId, 'Arn'] });
}

/**
 * The REST API's resource policy with `execute-api:/` (the API's own ARN, which a policy cannot
 * reference) expanded to `arn:<partition>:execute-api:<region>:<account>:<api id>/`, as API Gateway does.
 */
export function apiResourcePolicy(resolver: TemplateResolver, stack: string, apiLogicalId: string): PolicyDocument {
  const [, api] = resolver.resourcesOfType(stack, 'AWS::ApiGateway::RestApi').find(([id]) => id === apiLogicalId) ?? [];
  if (api === undefined) throw new Error(`Stack ${stack} has no REST API ${apiLogicalId}`);
  const prefix = `${apiArnPrefix(resolver, stack, apiLogicalId)}/`;
  const expand = (value: unknown): unknown =>
    typeof value === 'string' ? value.replace(/^execute-api:\//, prefix) : Array.isArray(value) ? value.map(expand) : value;
  const policy = resolver.resolve(stack, api.Policy) as PolicyDocument;
  return { ...policy, Statement: policy.Statement.map((statement) => ({ ...(statement as object), Resource: expand((statement as { Resource: unknown }).Resource) })) };
}

/** `arn:<partition>:execute-api:<region>:<account>:<api id>`: a method's ARN is this, `/<stage>/<METHOD>/<path>`. */
export function apiArnPrefix(resolver: TemplateResolver, stack: string, apiLogicalId: string): string {
  const { partition, region, account } = resolver.environment;
  return `arn:${partition}:execute-api:${region}:${account}:${resolver.resolveString(stack, { Ref: apiLogicalId })}`;
}

/**
 * The resource-based policy Lambda keeps for one function ARN (unqualified, or with an alias or
 * version: each has its own): a statement per AWS::Lambda::Permission whose FunctionName is that
 * ARN, in the form Lambda's GetPolicy returns (SourceArn, SourceAccount and PrincipalOrgID as conditions).
 */
export function lambdaResourcePolicy(resolver: TemplateResolver, stack: string, functionArn: string): PolicyDocument {
  const statements = resolver
    .resourcesOfType(stack, 'AWS::Lambda::Permission')
    .map(([, properties]) => resolver.resolve(stack, properties) as Record<string, string>)
    .filter((permission) => resolver.lambdaArn(permission.FunctionName!) === functionArn)
    .map((permission) => {
      const principal = permission.Principal!;
      const conditions: Record<string, Record<string, string>> = {};
      if (permission.SourceArn !== undefined) conditions.ArnLike = { 'aws:SourceArn': permission.SourceArn };
      if (permission.SourceAccount !== undefined) conditions.StringEquals = { 'aws:SourceAccount': permission.SourceAccount };
      if (permission.PrincipalOrgID !== undefined) conditions.StringEquals = { ...conditions.StringEquals, 'aws:PrincipalOrgID': permission.PrincipalOrgID };
      return {
        Effect: 'Allow',
        Principal: principal === '*' ? '*' : principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: principal },
        Action: permission.Action,
        Resource: functionArn,
        ...(Object.keys(conditions).length > 0 && { Condition: conditions }),
      };
    });
  return { Version: '2012-10-17', Statement: statements };
}

/** One request to simulate. */
export interface SimulatedRequest {
  readonly caller: Caller;
  readonly action: string;
  readonly resourceArn: string;
  /** The account owning the resource. */
  readonly resourceAccount: string;
  readonly resourcePolicy?: PolicyDocument;
  /** The interface VPC endpoint the request came through (aws:SourceVpce), if any. */
  readonly sourceVpce?: string;
}

/**
 * Evaluates `request` with @cloud-copilot/iam-simulate in strict mode, with the context keys AWS
 * sets for a signed request: aws:PrincipalArn, aws:PrincipalAccount, and when they apply
 * aws:PrincipalOrgID and aws:SourceVpce.
 */
export async function simulate(request: SimulatedRequest): Promise<Decision> {
  const account = /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(request.caller.arn)?.[1];
  if (account === undefined) throw new Error(`Cannot tell the account of ${request.caller.arn}`);
  const contextVariables: Record<string, string> = { 'aws:PrincipalArn': request.caller.arn, 'aws:PrincipalAccount': account };
  if (request.caller.organizationId !== undefined) contextVariables['aws:PrincipalOrgID'] = request.caller.organizationId;
  if (request.sourceVpce !== undefined) contextVariables['aws:SourceVpce'] = request.sourceVpce;
  const result = await runSimulation(
    {
      request: {
        principal: request.caller.arn,
        action: request.action,
        resource: { resource: request.resourceArn, accountId: request.resourceAccount },
        contextVariables,
      },
      identityPolicies: request.caller.identityPolicies.map((policy, index) => ({ name: `policy-${index}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy !== undefined && { resourcePolicy: request.resourcePolicy }),
    },
    { simulationMode: 'Strict' },
  );
  if (result.resultType === 'error') throw new Error(`The simulation refused the request: ${JSON.stringify(result.errors)}`);
  if (result.resultType !== 'single') throw new Error(`Expected one resource, got ${result.resultType}`);
  return result.overallResult;
}

/** A request an AWS service makes on behalf of a resource of its own (EventBridge for a rule). */
export interface ServiceRequest {
  /** The service principal, such as events.amazonaws.com. */
  readonly service: string;
  /** The resource the service acts for (aws:SourceArn), and its account (aws:SourceAccount). */
  readonly sourceArn: string;
  readonly sourceAccount: string;
  readonly action: string;
  readonly resourceArn: string;
  readonly resourceAccount: string;
  readonly resourcePolicy: PolicyDocument;
}

/**
 * Evaluates a service principal's request, with the context keys the service sets
 * (aws:SourceArn, aws:SourceAccount): only a resource policy can allow it.
 */
export async function simulateService(request: ServiceRequest): Promise<Decision> {
  const result = await runSimulation(
    {
      request: {
        principal: request.service,
        action: request.action,
        resource: { resource: request.resourceArn, accountId: request.resourceAccount },
        contextVariables: { 'aws:SourceArn': request.sourceArn, 'aws:SourceAccount': request.sourceAccount },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: request.resourcePolicy,
    },
    { simulationMode: 'Strict' },
  );
  if (result.resultType === 'error') throw new Error(`The simulation refused the request: ${JSON.stringify(result.errors)}`);
  if (result.resultType !== 'single') throw new Error(`Expected one resource, got ${result.resultType}`);
  return result.overallResult;
}
