import type { CfnTemplate } from './cfn-intrinsics';

/**
 * Resources whose own policy could stand between CloudFormation and the resource: every resource
 * holding a policy document that names principals, and every resource type that writes into
 * another resource's policy. The deploy-permission check must say, for each, why it cannot deny
 * the deployer or simulate that it does not.
 */

/** Resource types that add to another resource's policy instead of holding a document of their own. */
const POLICY_WRITING_TYPES = new Set([
  'AWS::Lambda::Permission',
  'AWS::SecretsManager::ResourcePolicy',
  'AWS::S3::BucketPolicy',
  'AWS::SNS::TopicPolicy',
  'AWS::SQS::QueuePolicy',
  'AWS::Logs::ResourcePolicy',
  'AWS::Events::EventBusPolicy',
]);

function holdsPrincipalPolicy(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(holdsPrincipalPolicy);
  if (value === null || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  const statements = record.Statement;
  if (Array.isArray(statements) && statements.some((statement) => typeof statement === 'object' && statement !== null && ('Principal' in statement || 'NotPrincipal' in statement))) {
    return true;
  }
  return Object.values(record).some(holdsPrincipalPolicy);
}

/** Logical id and type of every resource of the template that holds or writes a resource policy. */
export function resourcePolicyHolders(template: CfnTemplate): { logicalId: string; type: string }[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => POLICY_WRITING_TYPES.has(resource.Type) || holdsPrincipalPolicy(resource.Properties))
    .map(([logicalId, resource]) => ({ logicalId, type: resource.Type }));
}
