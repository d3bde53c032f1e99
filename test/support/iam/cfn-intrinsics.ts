/**
 * Resolves the CloudFormation intrinsics a synthesized template holds (Fn::Join, Fn::Sub without
 * variables map, Ref of pseudo parameters and resources, Fn::GetAtt) into the concrete values they
 * would take in one test account and region, so that a policy can be handed to a real IAM policy
 * evaluator. A construct the resolver does not know throws, naming it: a policy half-resolved would
 * be evaluated wrongly without anyone noticing.
 */

/** The account, region and partition a template is deployed to, and its stack name. */
export interface DeployEnvironment {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  readonly stackName: string;
}

/** One resource of a CloudFormation template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** The part of a template the resolver reads. */
export interface CfnTemplate {
  readonly Resources: Record<string, TemplateResource>;
}

/** A deterministic key id per logical id, shaped like a real one (KMS key ARNs end in a UUID). */
export function keyIdOf(logicalId: string): string {
  const hex = Buffer.from(logicalId).toString('hex').padEnd(32, '0').slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The physical name CloudFormation would give a resource: stack name, logical id, a random suffix. */
export function physicalNameOf(env: DeployEnvironment, logicalId: string): string {
  return `${env.stackName}-${logicalId}-TESTSUFFIX`;
}

/** The ARN a resource of `type` would have (what `Fn::GetAtt [id, 'Arn']` gives). */
export function arnOf(env: DeployEnvironment, template: CfnTemplate, logicalId: string): string {
  const resource = template.Resources[logicalId];
  if (resource === undefined) throw new Error(`Fn::GetAtt names '${logicalId}', which the template does not hold.`);
  const { account, region, partition } = env;
  const name = physicalNameOf(env, logicalId);
  switch (resource.Type) {
    case 'AWS::IAM::Role':
      return `arn:${partition}:iam::${account}:role/${name}`;
    case 'AWS::KMS::Key':
      return `arn:${partition}:kms:${region}:${account}:key/${keyIdOf(logicalId)}`;
    case 'AWS::DynamoDB::Table':
      return `arn:${partition}:dynamodb:${region}:${account}:table/${name}`;
    case 'AWS::Lambda::Function':
      return `arn:${partition}:lambda:${region}:${account}:function:${name}`;
    case 'AWS::Logs::LogGroup':
      return `arn:${partition}:logs:${region}:${account}:log-group:${name}:*`;
    case 'AWS::SecretsManager::Secret':
      return `arn:${partition}:secretsmanager:${region}:${account}:secret:${name}-AbCdEf`;
    case 'AWS::SNS::Topic':
      return `arn:${partition}:sns:${region}:${account}:${name}`;
    case 'AWS::CloudWatch::Alarm': {
      // An alarm's ARN ends in its name, which the template gives.
      const alarmName = resource.Properties?.AlarmName;
      return `arn:${partition}:cloudwatch:${region}:${account}:alarm:${typeof alarmName === 'string' ? alarmName : name}`;
    }
    default:
      throw new Error(`No ARN shape for ${resource.Type} (${logicalId}): add one to test/support/iam/cfn-intrinsics.ts.`);
  }
}

/** What `Ref` gives for a resource: an ARN for some types, a name or an id for others. */
function refOf(env: DeployEnvironment, template: CfnTemplate, logicalId: string): string {
  const type = template.Resources[logicalId]?.Type;
  if (type === 'AWS::SecretsManager::Secret' || type === 'AWS::SNS::Topic') return arnOf(env, template, logicalId);
  if (type === 'AWS::KMS::Key') return keyIdOf(logicalId);
  if (type === undefined) throw new Error(`Ref names '${logicalId}', which the template does not hold.`);
  return physicalNameOf(env, logicalId);
}

const PSEUDO_PARAMETERS = (env: DeployEnvironment): Record<string, string> => ({
  'AWS::AccountId': env.account,
  'AWS::Region': env.region,
  'AWS::Partition': env.partition,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': env.stackName,
});

/** `value` with every intrinsic replaced by what it resolves to in `env`. */
export function resolveIntrinsics(value: unknown, env: DeployEnvironment, template: CfnTemplate): unknown {
  const resolve = (inner: unknown): unknown => resolveIntrinsics(inner, env, template);
  if (Array.isArray(value)) return value.map(resolve);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const [first] = entries;
  if (entries.length === 1 && first !== undefined && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
    const [name, argument] = first;
    if (name === 'Ref') {
      const pseudo = PSEUDO_PARAMETERS(env)[argument as string];
      return pseudo ?? refOf(env, template, argument as string);
    }
    if (name === 'Fn::Join') {
      const [separator, parts] = argument as [string, unknown[]];
      return parts.map((part) => String(resolve(part))).join(separator);
    }
    if (name === 'Fn::GetAtt') {
      const [logicalId, attribute] = (typeof argument === 'string' ? argument.split('.') : argument) as [string, string];
      if (attribute !== 'Arn') throw new Error(`Fn::GetAtt ${logicalId}.${attribute} is not resolved here: only Arn is.`);
      return arnOf(env, template, logicalId);
    }
    if (name === 'Fn::Sub' && typeof argument === 'string') {
      return argument.replace(/\$\{([^}]+)\}/g, (_match, reference: string) =>
        String(reference.includes('.') ? resolve({ 'Fn::GetAtt': reference }) : resolve({ Ref: reference })),
      );
    }
    throw new Error(`${name} is not resolved here: add it to test/support/iam/cfn-intrinsics.ts.`);
  }
  return Object.fromEntries(entries.map(([key, inner]) => [key, resolve(inner)]));
}
