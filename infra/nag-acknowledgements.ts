import { CfnResource, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The metadata key cdk-nag 2.x reads on a CfnResource for its suppressions
 * (`NagSuppressions.addResourceSuppressions` writes the same shape).
 */
export const NAG_V2_METADATA_KEY = 'cdk_nag';

/** One suppression as cdk-nag 2.x stores it in the template metadata. */
interface NagV2Suppression {
  readonly id: string;
  readonly reason: string;
  readonly applies_to?: string[];
  readonly is_reason_encoded?: boolean;
}

/**
 * Acknowledges a cdk-nag finding on `construct` for both major versions of cdk-nag, without
 * importing either, so an app using the construct may run cdk-nag 2.x, 3.x or neither:
 * - cdk-nag 3 reads CDK's own `Validations` acknowledgements (`Rule-Id` or `Rule-Id[finding]`);
 * - cdk-nag 2 reads `cdk_nag.rules_to_suppress` on the resource's CfnResource, where a
 *   granular finding goes in `applies_to` (an id holding `[...]` is refused there).
 *
 * @param finding the granular finding (for example `Policy::arn:<AWS::Partition>:iam::aws:policy/...`)
 *   when only that one is acknowledged, not the whole rule
 */
export function acknowledgeNagFinding(construct: IConstruct, ruleId: string, reason: string, finding?: string): void {
  Validations.of(construct).acknowledge({ id: finding === undefined ? ruleId : `${ruleId}[${finding}]`, reason });

  const resource = cfnResourceOf(construct);
  const existing = (resource.getMetadata(NAG_V2_METADATA_KEY) as { rules_to_suppress?: NagV2Suppression[] } | undefined)?.rules_to_suppress ?? [];
  resource.addMetadata(NAG_V2_METADATA_KEY, { rules_to_suppress: [...existing, toV2Suppression(ruleId, reason, finding)] });
}

function cfnResourceOf(construct: IConstruct): CfnResource {
  if (CfnResource.isCfnResource(construct)) return construct;
  const child = construct.node.defaultChild;
  if (child !== undefined && CfnResource.isCfnResource(child)) return child;
  throw new Error(`${construct.node.path} has no CloudFormation resource of its own to carry a cdk-nag acknowledgement.`);
}

function toV2Suppression(id: string, reason: string, finding: string | undefined): NagV2Suppression {
  const appliesTo = finding === undefined ? {} : { applies_to: [finding] };
  // cdk-nag 2 stores a reason with characters beyond Latin-1 base64-encoded, and decodes it when flagged.
  const needsEncoding = [...reason].some((character) => (character.codePointAt(0) ?? 0) > 255);
  return needsEncoding
    ? { id, reason: Buffer.from(reason).toString('base64'), is_reason_encoded: true, ...appliesTo }
    : { id, reason, ...appliesTo };
}
