import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Aspects, Validations, type Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import * as nagV2 from 'cdk-nag-v2';
import type { IConstruct } from 'constructs';
import { applyNagChecks } from '../../infra/checks';

const cdkJson = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

/** The context of cdk.json (defaults and feature flags), as `cdk synth` sees it. */
export const CDK_CONTEXT = cdkJson.context;

/**
 * An app like infra/app.ts makes: cdk.json's context plus `context`, and the cdk-nag packs, so
 * every synthesis in a test fails on an unacknowledged finding (`nag: false` for an app holding
 * test doubles; check the vendor's part with `nagFindings`); `withoutCdkJson` for an app with none
 * of cdk.json's context (no feature flags, as in an older CDK app). Bundling is skipped unless asked for
 * (esbuild is the slow part of a synth, and most tests look at the template only).
 */
export function createApp(options: { context?: Record<string, unknown>; bundle?: boolean; nag?: boolean; withoutCdkJson?: boolean } = {}): App {
  const app = new App({
    context: {
      ...(options.withoutCdkJson === true ? {} : CDK_CONTEXT),
      ...(options.bundle === true ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
  if (options.nag !== false) applyNagChecks(app);
  return app;
}

/** Unacknowledged findings of both packs, as "rule at path" lines: empty when all is well. */
export function nagFindings(scope: IConstruct): string[] {
  return [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
    pack
      .validateScope(scope)
      .violations.flatMap((violation) =>
        violation.violatingResources.map((resource) => `${violation.severity} ${violation.ruleName} at ${resource.constructPath}`),
      ),
  );
}

/** What cdk-nag 2.x (both packs, as Aspects) reported on an app: findings left, and findings suppressed. */
export interface NagV2Report {
  /** Unsuppressed findings and rule errors, as "rule at path" lines: empty when all is well. */
  readonly findings: string[];
  /** Suppressed findings, as "rule[finding] at path" lines. */
  readonly suppressed: string[];
}

/**
 * Runs cdk-nag 2.x's AwsSolutions and Serverless packs the way a cdk-nag 2 consumer does
 * (`Aspects.of(app).add(...)`) on an app built by `build` without cdk-nag 3, and synthesizes it.
 * Warnings count as findings too: a consumer running with `--strict` fails on them.
 */
export function runNagV2(build: (app: App) => void, options: { withoutCdkJson?: boolean } = {}): NagV2Report {
  const app = createApp({ nag: false, ...options });
  build(app);
  const findings: string[] = [];
  const suppressed: string[] = [];
  const at = (data: { ruleId: string; resource: { node: { path: string } } }, finding = ''): string =>
    `${data.ruleId}${finding === '' ? '' : `[${finding}]`} at ${data.resource.node.path}`;
  const collector: nagV2.INagLogger = {
    onCompliance: () => undefined,
    onNotApplicable: () => undefined,
    onNonCompliance: (data) => findings.push(at(data, data.findingId)),
    onError: (data) => findings.push(`${at(data)} (rule error: ${data.errorMessage})`),
    onSuppressed: (data) => suppressed.push(at(data, data.findingId)),
    onSuppressedError: (data) => suppressed.push(at(data)),
  };
  const props = { reports: false, additionalLoggers: [collector] };
  Aspects.of(app).add(new nagV2.AwsSolutionsChecks(props));
  Aspects.of(app).add(new nagV2.ServerlessChecks(props));
  app.synth();
  return { findings, suppressed };
}

/** Every acknowledgement in the tree, as "rule id at path" mapped to its reason. */
export function acknowledgements(scope: IConstruct): Record<string, string> {
  const found: Record<string, string> = {};
  for (const construct of scope.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        found[`${id.replace(/^annotation::/i, '')} at ${construct.node.path}`] = String(reason);
      }
    }
  }
  return found;
}

/** Resolves a token (an ARN, a name) to the CloudFormation expression the template holds. */
export function cfn(stack: Stack, value: unknown): unknown {
  return stack.resolve(value);
}

/** The `Properties` of every resource of `type` in the template, typed as the caller reads them. */
export function propertiesOf<T>(template: Template, type: string): T[] {
  return Object.values(template.findResources(type)).map((resource) => (resource as { Properties: T }).Properties);
}
