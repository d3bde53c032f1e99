import { runSimulation } from '@cloud-copilot/iam-simulate';
import { arnOf, type CfnTemplate, type DeployEnvironment, physicalNameOf, resolveIntrinsics } from './cfn-intrinsics';
import { type KeyCall, keyCallsOf } from './handler-permissions';
import { type TopicCall, topicCalls } from './topic-handler-permissions';

/**
 * The deploy-permission check: every call CloudFormation's handlers make on a KMS key of a
 * synthesized template, evaluated by a real IAM policy evaluator (`@cloud-copilot/iam-simulate`,
 * with KMS's key-policy trust rules) for each principal CloudFormation may deploy as, with the
 * request context AWS sets. Offline: what it cannot know (SCPs, permission boundaries, the real
 * handler's calls) is listed in docs/deploy-permissions.md.
 */

/** Someone making requests: an ARN, and the identity policies attached to it. */
export interface Caller {
  readonly name: string;
  readonly arn: string;
  readonly identityPolicies: readonly IdentityPolicy[];
}

export interface IdentityPolicy {
  readonly name: string;
  readonly policy: unknown;
}

/** The AWS managed policy AdministratorAccess: every action on every resource. */
export const ADMINISTRATOR_ACCESS: IdentityPolicy = {
  name: 'AdministratorAccess',
  policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
};

/** The test account and region every template is resolved in. */
export const TEST_ENVIRONMENT = { account: '111122223333', region: 'eu-west-1', partition: 'aws' } as const;

/** Every kind of principal CloudFormation deploys a stack as, each with AdministratorAccess. */
export function deployersIn(account: string, region: string): Caller[] {
  const role = (name: string): string => `arn:aws:iam::${account}:role/${name}`;
  const admin = (name: string, arn: string): Caller => ({ name, arn, identityPolicies: [ADMINISTRATOR_ACCESS] });
  return [
    admin("CDK's bootstrap execution role", role(`cdk-hnb659fds-cfn-exec-role-${account}-${region}`)),
    admin('a bootstrap execution role of another qualifier', role(`cdk-team42-cfn-exec-role-${account}-${region}`)),
    admin('a role given with cdk deploy --role-arn', role('TeamCloudFormationDeployRole')),
    admin('a CodePipeline / CDK Pipelines role', role('DeliveryPipeline-PipelineRoleDCFDBB91-1A2B3C4D5E6F')),
    admin('the StackSets execution role', role('AWSCloudFormationStackSetExecutionRole')),
    admin('a user deploying without a service role', `arn:aws:iam::${account}:user/deploy-admin`),
  ];
}

/** The outcome of one call, as iam-simulate reports it. */
export interface CallVerdict {
  readonly caller: string;
  readonly call: KeyCall;
  readonly result: string;
}

/** What one KMS key in a template is, resolved. */
export interface ResolvedKey {
  readonly logicalId: string;
  readonly arn: string;
  readonly policy: unknown;
  /** Physical names of the tables encrypted with this key. */
  readonly tableNames: readonly string[];
}

/** Every KMS key of the template, its policy resolved in `env`, with the tables it encrypts. */
export function keysOf(template: CfnTemplate, env: DeployEnvironment): ResolvedKey[] {
  const resources = Object.entries(template.Resources);
  return resources
    .filter(([, resource]) => resource.Type === 'AWS::KMS::Key')
    .map(([logicalId, resource]) => {
      const arn = arnOf(env, template, logicalId);
      const tableNames = resources
        .filter(([, candidate]) => candidate.Type === 'AWS::DynamoDB::Table')
        .filter(([, table]) => {
          const keyId = resolveIntrinsics((table.Properties?.SSESpecification as { KMSMasterKeyId?: unknown } | undefined)?.KMSMasterKeyId, env, template);
          return keyId === arn || (typeof keyId === 'string' && arn.endsWith(`/${keyId}`));
        })
        .map(([tableId]) => physicalNameOf(env, tableId));
      return { logicalId, arn, policy: resolveIntrinsics(resource.Properties?.KeyPolicy, env, template), tableNames };
    });
}

/** The request context AWS sets for `call` by `caller` on a key encrypting `tableName`. */
export function contextOf(call: Pick<KeyCall, 'action' | 'via'>, caller: Pick<Caller, 'arn'>, env: DeployEnvironment, tableName: string): Record<string, string> {
  const callerAccount = caller.arn.split(':')[4]!;
  const context: Record<string, string> = {
    'aws:PrincipalArn': caller.arn,
    'aws:PrincipalAccount': callerAccount,
    'kms:CallerAccount': callerAccount,
  };
  if (call.via === 'direct') return context;
  context['kms:ViaService'] = `dynamodb.${env.region}.amazonaws.com`;
  // DynamoDB's encryption context (guide, "DynamoDB encryption context"), on every call but DescribeKey.
  if (call.action !== 'kms:DescribeKey' && call.action !== 'kms:RevokeGrant') {
    context['kms:EncryptionContext:aws:dynamodb:tableName'] = tableName;
    context['kms:EncryptionContext:aws:dynamodb:subscriberId'] = env.account;
  }
  if (call.action === 'kms:CreateGrant') context['kms:GrantIsForAWSResource'] = 'true';
  return context;
}

/** Evaluates one call on `key`: 'Allowed', 'ImplicitlyDenied' or 'ExplicitlyDenied'. Invalid input throws. */
export async function evaluate(key: ResolvedKey, caller: Caller, call: Pick<KeyCall, 'action' | 'via'>, env: DeployEnvironment): Promise<string> {
  const response = await runSimulation(
    {
      request: {
        principal: caller.arn,
        action: call.action,
        resource: { resource: key.arn, accountId: env.account },
        contextVariables: contextOf(call, caller, env, key.tableNames[0] ?? 'no-table'),
      },
      identityPolicies: caller.identityPolicies.map((policy) => ({ ...policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: key.policy,
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(`iam-simulate refused the request: ${JSON.stringify(response.errors)}`);
  return response.overallResult;
}

/** Every verdict of every deployer on every call the deploy makes on `key` (create, update, delete). */
export async function deployVerdicts(key: ResolvedKey, deployers: readonly Caller[], env: DeployEnvironment): Promise<CallVerdict[]> {
  const verdicts: CallVerdict[] = [];
  for (const caller of deployers) {
    for (const call of keyCallsOf(key.tableNames.length)) {
      verdicts.push({ caller: caller.name, call, result: await evaluate(key, caller, call, env) });
    }
  }
  return verdicts;
}

/** The denied calls, as "operation action (via)" lines, each once, sorted. */
export function deniedCalls(verdicts: readonly CallVerdict[]): string[] {
  const denied = verdicts.filter((verdict) => verdict.result !== 'Allowed').map(({ call }) => `${call.operation} ${call.action} (${call.via})`);
  return [...new Set(denied)].sort();
}

/** An SNS topic of a template with the policy an AWS::SNS::TopicPolicy gives it, resolved. */
export interface ResolvedTopic {
  readonly arn: string;
  readonly policy: unknown;
}

/** Every topic a topic policy of the template applies to, with that policy resolved in `env`. */
export function topicsOf(template: CfnTemplate, env: DeployEnvironment): ResolvedTopic[] {
  return Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::SNS::TopicPolicy')
    .flatMap((resource) => {
      const policy = resolveIntrinsics(resource.Properties?.PolicyDocument, env, template);
      return (resolveIntrinsics(resource.Properties?.Topics, env, template) as string[]).map((arn) => ({ arn, policy }));
    });
}

/** One verdict of a deployer on a call on a topic. */
export interface TopicVerdict {
  readonly caller: string;
  readonly call: TopicCall;
  readonly result: string;
}

/** Every verdict of every deployer on every call the deploy makes on `topic`, over TLS as the AWS SDKs call. */
export async function topicDeployVerdicts(topic: ResolvedTopic, deployers: readonly Caller[], env: DeployEnvironment): Promise<TopicVerdict[]> {
  const verdicts: TopicVerdict[] = [];
  for (const caller of deployers) {
    for (const call of topicCalls()) {
      const response = await runSimulation(
        {
          request: {
            principal: caller.arn,
            action: call.action,
            resource: { resource: topic.arn, accountId: env.account },
            contextVariables: { 'aws:PrincipalArn': caller.arn, 'aws:PrincipalAccount': caller.arn.split(':')[4]!, 'aws:SecureTransport': 'true' },
          },
          identityPolicies: caller.identityPolicies.map((policy) => ({ ...policy })),
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          resourcePolicy: topic.policy,
        },
        {},
      );
      if (response.resultType === 'error') throw new Error(`iam-simulate refused ${call.action}: ${JSON.stringify(response.errors)}`);
      verdicts.push({ caller: caller.name, call, result: response.overallResult });
    }
  }
  return verdicts;
}
