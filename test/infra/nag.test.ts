import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CfnResource, RemovalPolicy, Stack, type App } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { acknowledgeNagFinding, NAG_V2_METADATA_KEY } from '../../infra/nag-acknowledgements';
import { TokenVendor, type TokenVendorProps } from '../../infra/token-vendor';
import { TokenVendorStack } from '../../infra/token-vendor-stack';
import { acknowledgements, createApp, nagFindings, runNagV2 } from './fixture';

// The construct in apps running cdk-nag 3.x (Validations plugins) or 2.x (Aspects): both find
// nothing unacknowledged, on the default stack and on every variant of the props that changes
// which resources exist. The construct imports neither version (issue 10).
const variants: [string, TokenVendorProps][] = [
  ['the defaults', {}],
  ['the account-wide API Gateway logging role', { apiCloudWatchRole: true }],
  ['an existing secret, other-account callers, a budget', { secretName: 'wll/credentials', allowedPrincipalArns: ['111122223333'], monthlyTokenBudget: 1000 }],
  [
    'credential sets (created and existing secrets, other-account and organization callers, a budget) and a private API',
    {
      credentialSets: {
        'eu-prod': { allowedPrincipalArns: ['arn:aws:iam::111122223333:role/caller'], monthlyTokenBudget: 1000 },
        'us-prod': { secretName: 'wll/us-prod', wllRegion: 'us' },
        staging: { allowedPrincipalArns: ['o-a1b2c3d4e5'] },
      },
      privateApi: { vpcEndpointIds: ['vpce-0123456789abcdef0'] },
    },
  ],
  ['no schedule, no dashboard, no quota alarm, retained data', { refreshScheduleMinutes: 0, dashboard: false, issuerQuotaAlarmPercent: 0, removalPolicy: RemovalPolicy.RETAIN }],
];

function buildVendor(app: App, props: TokenVendorProps): void {
  const stack = new Stack(app, 'Host');
  const topic = new sns.Topic(stack, 'AlarmTopic', { enforceSSL: true });
  new TokenVendor(stack, 'Vendor', { alarmTopic: topic, ...props });
}

describe.each(variants)('with %s', (_name, props) => {
  it('cdk-nag 3 (AwsSolutions and Serverless) finds nothing unacknowledged', () => {
    const app = createApp();
    buildVendor(app, props);
    expect(nagFindings(app)).toEqual([]);
  });

  it('cdk-nag 2 (AwsSolutions and Serverless, errors and warnings) finds nothing unsuppressed', () => {
    const report = runNagV2((app) => buildVendor(app, props));
    expect(report.findings).toEqual([]);
    expect(report.suppressed.length).toBeGreaterThan(0);
  });
});

describe('in an app without any of cdk.json\'s feature flags (an older CDK app)', () => {
  it('cdk-nag 3 finds nothing unacknowledged', () => {
    const app = createApp({ withoutCdkJson: true });
    buildVendor(app, {});
    expect(nagFindings(app)).toEqual([]);
  });

  it('cdk-nag 2 finds nothing unsuppressed', () => {
    expect(runNagV2((app) => buildVendor(app, {}), { withoutCdkJson: true }).findings).toEqual([]);
  });
});

describe('the standalone stack', () => {
  it('suppresses for cdk-nag 2 exactly what it acknowledges for cdk-nag 3, on the same resources', () => {
    const report = runNagV2((app) => new TokenVendorStack(app, 'WllTokenVendor'));
    expect(report.findings).toEqual([]);
    const app = createApp();
    new TokenVendorStack(app, 'WllTokenVendor');
    app.synth();
    // cdk-nag 3 names the construct that acknowledges, cdk-nag 2 its CloudFormation resource.
    const forV3 = Object.keys(acknowledgements(app)).sort();
    const forV2 = [...new Set(report.suppressed.map((line) => line.replace(/\/Resource$/, '')))].sort();
    expect(forV2).toEqual(forV3);
  });
});

describe('acknowledgeNagFinding', () => {
  const resourceIn = (): CfnResource => new CfnResource(new Stack(createApp({ nag: false }), 'Host'), 'Thing', { type: 'AWS::SNS::Topic' });
  const v2Metadata = (resource: CfnResource): unknown => resource.getMetadata(NAG_V2_METADATA_KEY);

  it('adds to the cdk-nag 2 suppressions already on the resource, a granular finding in applies_to', () => {
    const resource = resourceIn();
    acknowledgeNagFinding(resource, 'AwsSolutions-SNS2', 'Reason number one, long enough.');
    acknowledgeNagFinding(resource, 'AwsSolutions-IAM5', 'Reason number two, long enough.', 'Resource::*');
    expect(v2Metadata(resource)).toEqual({
      rules_to_suppress: [
        { id: 'AwsSolutions-SNS2', reason: 'Reason number one, long enough.' },
        { id: 'AwsSolutions-IAM5', reason: 'Reason number two, long enough.', applies_to: ['Resource::*'] },
      ],
    });
    expect(Object.keys(acknowledgements(resource.stack))).toEqual(['AwsSolutions-SNS2 at Host/Thing', 'AwsSolutions-IAM5[Resource::*] at Host/Thing']);
  });

  it('encodes a reason beyond Latin-1 the way cdk-nag 2 decodes it', () => {
    const resource = resourceIn();
    acknowledgeNagFinding(resource, 'AwsSolutions-SNS2', 'Callers sign requests → no public access.');
    expect(v2Metadata(resource)).toEqual({
      rules_to_suppress: [
        { id: 'AwsSolutions-SNS2', reason: Buffer.from('Callers sign requests → no public access.').toString('base64'), is_reason_encoded: true },
      ],
    });
  });

  it('refuses a construct without a CloudFormation resource of its own', () => {
    const stack = new Stack(createApp({ nag: false }), 'Host');
    expect(() => acknowledgeNagFinding(stack, 'AwsSolutions-SNS2', 'Some long enough reason.')).toThrow(
      /Host has no CloudFormation resource of its own to carry a cdk-nag acknowledgement/,
    );
  });
});

describe('cdk-nag is no dependency of the construct', () => {
  it('only the app (infra/app.ts, infra/checks.ts) imports it; the package lists it as a dev dependency only', () => {
    const infra = path.join(__dirname, '..', '..', 'infra');
    const importers = readdirSync(infra).filter((file) => /from 'cdk-nag/.test(readFileSync(path.join(infra, file), 'utf8')));
    expect(importers).toEqual(['checks.ts']);
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    for (const section of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      expect(Object.keys(pkg[section] ?? {}).filter((name) => name.startsWith('cdk-nag'))).toEqual([]);
    }
    expect(pkg.devDependencies).toHaveProperty('cdk-nag');
    expect(pkg.devDependencies).toHaveProperty('cdk-nag-v2');
  });
});
