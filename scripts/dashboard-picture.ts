import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { TokenVendorStack } from '../infra/token-vendor-stack';
import { dashboardBodyOf, renderDashboardSvg } from './dashboard/dashboard-svg';

/**
 * Writes docs/dashboard.svg, the picture of the vendor's CloudWatch dashboard that
 * docs/operations.md shows, from the dashboard body `cdk synth` produces (the default stack with a monthly budget,
 * so that every alarm is there). Offline, no bundling. `--check` fails if the file is stale.
 *
 *   npx tsx scripts/dashboard-picture.ts [--check]
 */
const ROOT = path.join(__dirname, '..');
export const PICTURE = path.join(ROOT, 'docs', 'dashboard.svg');
const EXAMPLE_BUDGET = 1_000;

/** The SVG text of the picture, as it should be committed. */
export function dashboardPicture(): string {
  const cdkJson = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new TokenVendorStack(app, 'WllTokenVendor', { monthlyTokenBudget: EXAMPLE_BUDGET });
  const template = app.synth().getStackByName(stack.stackName).template as Parameters<typeof dashboardBodyOf>[0];
  const alarmNames = new Map(
    Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm')
      .map(([logicalId, resource]) => [`\${GetAtt:${logicalId}.Arn}`, String(resource.Properties?.AlarmName)]),
  );
  return renderDashboardSvg(
    dashboardBodyOf(template),
    `CloudWatch dashboard of the stack WllTokenVendor (monthlyTokenBudget ${EXAMPLE_BUDGET}): layout and contents`,
    (arn) => alarmNames.get(arn) ?? arn,
  );
}

if (require.main === module) {
  const picture = dashboardPicture();
  if (process.argv.includes('--check')) {
    const current = readFileSync(PICTURE, 'utf8');
    if (current !== picture) {
      console.error(`${path.relative(ROOT, PICTURE)} is out of date: run npx tsx scripts/dashboard-picture.ts`);
      process.exit(1);
    }
    console.log(`${path.relative(ROOT, PICTURE)} is up to date.`);
  } else {
    writeFileSync(PICTURE, picture);
    console.log(`Wrote ${path.relative(ROOT, PICTURE)}.`);
  }
}
