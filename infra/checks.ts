import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { Construct } from 'constructs';

/**
 * Runs cdk-nag's AWS Solutions and Serverless packs on every synthesis of `scope`. An
 * unacknowledged finding fails `cdk synth` (and a test's synthesis); acknowledgements sit
 * next to the resources they concern, each with its reason.
 */
export function applyNagChecks(scope: Construct): void {
  Validations.of(scope).addPlugins(new AwsSolutionsChecks(scope), new ServerlessChecks(scope));
}
