/**
 * Deploy-time values at their longest. AWS limits the size of what the stack writes (a REST API's
 * resource policy, a function's environment), but part of it is only known at deploy time: the
 * partition, region and account, and names and ARNs CloudFormation generates. The synth-time checks measure
 * with the longest value each can take, so a stack that passes them fits in any account and region.
 */
import { CfnResource, type Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { RegionInfo } from 'aws-cdk-lib/region-info';

/** CloudFormation appends this many random characters to a generated physical name (`<stack>-<logical id>-<random>`). */
const GENERATED_SUFFIX = 13;
/** Secrets Manager appends `-` and 6 random characters to a secret's name in its ARN. */
const SECRET_ARN_SUFFIX = '-xxxxxx';
/** CloudFormation names a secret it creates without a Name `<logical id>-<12 random characters>`. */
const GENERATED_SECRET_SUFFIX = '-xxxxxxxxxxxx';
const ACCOUNT = '123456789012';
const LONGEST_STACK_NAME = 128;
const DYNAMODB_TABLE_NAME_LIMIT = 255;
const LOG_GROUP_NAME_LIMIT = 512;

/** The partition and region the stack deploys to, or the longest ones CDK knows when they are decided at deploy time. */
export interface DeployTarget {
  readonly partition: string;
  readonly region: string;
}

/**
 * The stack's own partition and region when it names them; else the longest partition and the
 * longest region of CDK's region list (`aws-us-gov`, `us-isof-south-1` in aws-cdk-lib 2.276),
 * each on its own, so no real pair is longer.
 */
export function deployTarget(stack: Stack): DeployTarget {
  const longest = (names: string[]): string => names.reduce((a, b) => (b.length > a.length ? b : a), '');
  const regions = RegionInfo.regions;
  const region = Token.isUnresolved(stack.region) ? longest(regions.map((r) => r.name)) : stack.region;
  const knownPartition = Token.isUnresolved(stack.region) ? undefined : RegionInfo.get(stack.region).partition;
  const partition = knownPartition ?? longest(regions.map((r) => r.partition ?? 'aws'));
  return { partition, region };
}

/**
 * `value` (a string, a token, or a structure holding tokens) rendered as text with every
 * deploy-time part at its longest: pseudo parameters, and the `Ref` of a secret or a table of
 * this stack. Any other deploy-time value (say, a role ARN imported from another stack) becomes
 * `otherLength` characters, or throws without it rather than guess.
 */
export function longestRendering(stack: Stack, value: unknown, otherLength?: number): unknown {
  const target = deployTarget(stack);
  const render = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(render);
    if (item === null || typeof item !== 'object') return item;
    const entries = Object.entries(item as Record<string, unknown>);
    const [key, argument] = entries[0] ?? [];
    if (entries.length === 1 && key === 'Fn::Join') {
      const [separator, parts] = argument as [string, unknown[]];
      return (render(parts) as unknown[]).map((part) => asText(part)).join(separator);
    }
    if (entries.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::'))) {
      try {
        if (key === 'Ref') return reference(stack, target, String(argument));
        if (key === 'Fn::GetAtt') return attribute(stack, target, argument as [string, string]);
        throw new Error(`Cannot size ${key} at synth: ${JSON.stringify(item).slice(0, 200)}`);
      } catch (error) {
        if (otherLength === undefined) throw error;
        return 'x'.repeat(otherLength);
      }
    }
    return Object.fromEntries(entries.map(([name, inner]) => [name, render(inner)]));
  };
  return render(stack.resolve(value));
}

/** `value` as text with its deploy-time parts at their longest (see {@link longestRendering}). */
export function longestText(stack: Stack, value: string): string {
  return asText(longestRendering(stack, value));
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new Error(`Expected text, got ${String(JSON.stringify(value)).slice(0, 200)}`);
}

function reference(stack: Stack, target: DeployTarget, logicalId: string): string {
  switch (logicalId) {
    case 'AWS::Partition':
      return target.partition;
    case 'AWS::Region':
      return target.region;
    case 'AWS::AccountId':
      return ACCOUNT;
    default:
      return resourceReference(stack, target, logicalId);
  }
}

function resourceOf(stack: Stack, logicalId: string): CfnResource | undefined {
  return stack.node.findAll().find((construct): construct is CfnResource => CfnResource.isCfnResource(construct) && stack.resolve(construct.logicalId) === logicalId);
}

/** A name CloudFormation generates, `<stack>-<logical id>-<random>`, cut to the service's limit. */
function generatedName(stack: Stack, logicalId: string, limit: number): string {
  const stackName = Token.isUnresolved(stack.stackName) ? 'x'.repeat(LONGEST_STACK_NAME) : stack.stackName;
  return `${stackName}-${logicalId}-${'x'.repeat(GENERATED_SUFFIX)}`.slice(0, limit);
}

// The ARNs the function role's policy names: its table, the table's key and its log group.
function attribute(stack: Stack, target: DeployTarget, [logicalId, name]: [string, string]): string {
  const resource = resourceOf(stack, logicalId);
  const arn = (service: string, rest: string) => `arn:${target.partition}:${service}:${target.region}:${ACCOUNT}:${rest}`;
  if (name === 'Arn' && resource instanceof dynamodb.CfnTable) return arn('dynamodb', `table/${resourceReference(stack, target, logicalId)}`);
  if (name === 'Arn' && resource instanceof kms.CfnKey) return arn('kms', `key/${'x'.repeat(36)}`);
  if (name === 'Arn' && resource instanceof logs.CfnLogGroup) {
    const given: unknown = stack.resolve(resource.logGroupName);
    return arn('logs', `log-group:${given === undefined ? generatedName(stack, logicalId, LOG_GROUP_NAME_LIMIT) : asText(longestRendering(stack, given))}:*`);
  }
  throw new Error(`Cannot size the ${name} of ${logicalId} at synth (${resource?.cfnResourceType ?? 'not in this stack'})`);
}

function resourceReference(stack: Stack, target: DeployTarget, logicalId: string): string {
  const resource = resourceOf(stack, logicalId);
  if (resource instanceof secretsmanager.CfnSecret) {
    // Ref of a secret is its ARN: arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 random>.
    // A construct's name may be a token that resolves to nothing: CloudFormation then generates one.
    const given: unknown = stack.resolve(resource.name);
    const name = given === undefined ? `${logicalId}${GENERATED_SECRET_SUFFIX}` : asText(longestRendering(stack, given));
    return `arn:${target.partition}:secretsmanager:${target.region}:${ACCOUNT}:secret:${name}${SECRET_ARN_SUFFIX}`;
  }
  if (resource instanceof dynamodb.CfnTable) {
    const given: unknown = stack.resolve(resource.tableName);
    if (given !== undefined) return asText(longestRendering(stack, given));
    return generatedName(stack, logicalId, DYNAMODB_TABLE_NAME_LIMIT);
  }
  throw new Error(`Cannot size the Ref of ${logicalId} at synth (${resource?.cfnResourceType ?? 'not in this stack'})`);
}
