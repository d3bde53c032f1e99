import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { TokenVendor, type TokenVendorProps } from '../../infra/token-vendor';
import { TokenVendorStack } from '../../infra/token-vendor-stack';
import { CREDENTIAL_SET_DIMENSION, METRICS_NAMESPACE, MetricName } from '../../lambda/telemetry/metric-names';
import { TemplateResolver } from '../support/iam-callers/template-resolver';
import { createApp, propertiesOf } from './fixture';

// The construct with three credential sets (CONTRACT section 8): what the template holds. Who may
// reach what is simulated in iam-simulation.test.ts.
const app = createApp({ nag: false });
const stack = new TokenVendorStack(app, 'Vendor', {
  credentialSets: {
    'eu-prod': { allowedPrincipalArns: ['arn:aws:iam::222222222222:role/partner'], monthlyTokenBudget: 1000 },
    'us-prod': { wllRegion: 'us', secretName: 'wll/us-prod' },
    staging: { wllAudience: 'staging.wlloyalty.net', allowedAudiences: ['staging.wlloyalty.net', 'wlloyalty.net'], allowedPrincipalArns: ['o-a1b2c3d4e5'] },
  },
});
const template = Template.fromStack(stack);
const resolver = new TemplateResolver({ Vendor: template.toJSON() });
const vendor = stack.tokenVendor;
const resolved = (value: unknown): unknown => resolver.resolve('Vendor', stack.resolve(value));
const functionProps = propertiesOf<{ Environment: { Variables: Record<string, unknown> } }>(template, 'AWS::Lambda::Function')[0]!;

describe('the function', () => {
  it('gets CREDENTIAL_SETS in the shape of CONTRACT section 8, defaults left out, next to the default set', () => {
    const variables = resolver.resolve('Vendor', functionProps.Environment.Variables) as Record<string, string>;
    // Created secrets go without secretId: they are named <CREDENTIAL_SETS_SECRET_PREFIX><set>, which the function reads.
    expect(JSON.parse(variables.CREDENTIAL_SETS!)).toEqual({
      'eu-prod': {},
      'us-prod': { secretId: 'wll/us-prod', wllRegion: 'us' },
      staging: { audience: 'staging.wlloyalty.net', allowedAudiences: ['staging.wlloyalty.net', 'wlloyalty.net'] },
    });
    expect(variables.CREDENTIAL_SETS_SECRET_PREFIX).toBe('Vendor-TokenVendor/');
    expect(variables.CREDENTIALS_SECRET_ID).toBe(resolved(vendor.secret.secretArn));
  });

  it("names the secrets it creates for sets <instance>/<set>, so the function finds them by name; the default set's keeps CloudFormation's name", () => {
    const names = propertiesOf<{ Name?: string }>(template, 'AWS::SecretsManager::Secret').map((secret) => secret.Name);
    expect(names.sort()).toEqual(['Vendor-TokenVendor/eu-prod', 'Vendor-TokenVendor/staging', undefined].sort());
    template.allResources('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it("has one alias per set, named after it, and the API's and the schedule's own aliases, on the published current version", () => {
    const aliases = propertiesOf<{ Name: string; FunctionVersion: unknown; FunctionName: unknown }>(template, 'AWS::Lambda::Alias');
    expect(aliases.map((alias) => alias.Name).sort()).toEqual(['api_gateway', 'eu-prod', 'scheduled_refresh', 'staging', 'us-prod']);
    template.resourceCountIs('AWS::Lambda::Version', 1);
    const [versionId] = Object.keys(template.findResources('AWS::Lambda::Version'));
    for (const alias of aliases) {
      expect(alias.FunctionVersion).toEqual({ 'Fn::GetAtt': [versionId, 'Version'] });
      expect(alias.FunctionName).toEqual(stack.resolve(vendor.function.functionName));
    }
  });

  it('has the API invoke its own alias, so the function trusts a /sets path only from API Gateway', () => {
    const [aliasId] = Object.keys(template.findResources('AWS::Lambda::Alias', { Properties: { Name: 'api_gateway' } }));
    const methods = propertiesOf<{ Integration: { Uri: unknown } }>(template, 'AWS::ApiGateway::Method');
    const uris = methods.map((method) => JSON.stringify(method.Integration.Uri));
    expect(uris).toHaveLength(4);
    for (const uri of uris) expect(uri).toContain(aliasId!);
    const apiPermissions = propertiesOf<{ FunctionName: unknown; Principal: string }>(template, 'AWS::Lambda::Permission').filter(
      (permission) => permission.Principal === 'apigateway.amazonaws.com',
    );
    expect(apiPermissions.length).toBeGreaterThan(0);
    for (const permission of apiPermissions) expect(JSON.stringify(permission.FunctionName)).toContain(aliasId!);
  });

  it('has the schedule invoke its own alias, not retried, and only EventBridge may invoke that alias', () => {
    const [aliasId] = Object.keys(template.findResources('AWS::Lambda::Alias', { Properties: { Name: 'scheduled_refresh' } }));
    const [ruleId, rule] = Object.entries(template.findResources('AWS::Events::Rule'))[0]!;
    const [target] = (rule as { Properties: { Targets: Array<{ Arn: unknown; RetryPolicy: unknown }> } }).Properties.Targets;
    expect(target).toMatchObject({ Arn: { Ref: aliasId }, RetryPolicy: { MaximumRetryAttempts: 0 } });
    const onAlias = propertiesOf<{ FunctionName: unknown; Principal: string; SourceArn?: unknown }>(template, 'AWS::Lambda::Permission').filter(
      (permission) => JSON.stringify(permission.FunctionName) === JSON.stringify({ Ref: aliasId }),
    );
    expect(onAlias).toEqual([expect.objectContaining({ Principal: 'events.amazonaws.com', SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] } })]);
    // An alias has its own asynchronous invocation settings: Lambda would retry a failed run twice otherwise.
    const configs = propertiesOf<{ Qualifier: unknown; MaximumRetryAttempts: number }>(template, 'AWS::Lambda::EventInvokeConfig');
    expect(configs.map((config) => [resolver.resolve('Vendor', config.Qualifier), config.MaximumRetryAttempts]).sort()).toEqual([
      ['$LATEST', 0],
      ['scheduled_refresh', 0],
    ]);
  });

  it("may read every set's secret and nothing else: created ones by ARN, one named by name with the -?????? suffix", () => {
    const policy = propertiesOf<{ PolicyDocument: { Statement: Array<{ Action: unknown; Resource: unknown }> } }>(template, 'AWS::IAM::Policy')[0]!;
    const secrets = policy.PolicyDocument.Statement.filter((statement) => JSON.stringify(statement.Action).includes('secretsmanager'));
    expect(secrets).toHaveLength(1);
    expect(secrets[0]!.Action).toBe('secretsmanager:GetSecretValue');
    expect((resolver.resolve('Vendor', secrets[0]!.Resource) as string[]).sort()).toEqual(
      [
        resolved(vendor.secret.secretArn),
        resolved(vendor.credentialSets[0]!.secret.secretArn),
        'arn:aws:secretsmanager:eu-west-1:111111111111:secret:wll/us-prod-??????',
        resolved(vendor.credentialSets[2]!.secret.secretArn),
      ].sort(),
    );
  });

  it("lets a set's principals invoke that set's alias only: an ARN as it is, an organization as * with PrincipalOrgID", () => {
    const permissions = propertiesOf<Record<string, unknown>>(template, 'AWS::Lambda::Permission').filter(
      (permission) => !String(permission.Principal).endsWith('.amazonaws.com'),
    );
    const aliasOf = (name: string): unknown => stack.resolve(vendor.credentialSets.find((set) => set.name === name)!.alias.functionArn);
    expect(permissions).toEqual([
      { Action: 'lambda:InvokeFunction', FunctionName: aliasOf('eu-prod'), Principal: 'arn:aws:iam::222222222222:role/partner' },
      { Action: 'lambda:InvokeFunction', FunctionName: aliasOf('staging'), Principal: '*', PrincipalOrgID: 'o-a1b2c3d4e5' },
    ]);
  });
});

describe('the API', () => {
  it('keeps /token and /token/refresh and adds /sets/{name}/token and its refresh, AWS_IAM on every method', () => {
    template.resourceCountIs('AWS::ApiGateway::Method', 4);
    template.allResourcesProperties('AWS::ApiGateway::Method', { AuthorizationType: 'AWS_IAM', Integration: Match.objectLike({ Type: 'AWS_PROXY' }) });
    const paths = propertiesOf<{ PathPart: string }>(template, 'AWS::ApiGateway::Resource').map((resource) => resource.PathPart);
    expect(paths.sort()).toEqual(['refresh', 'refresh', 'sets', 'token', 'token', '{name}']);
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      RequestParameters: { 'method.request.path.name': true, 'method.request.querystring.audience': false },
    });
  });

  it("names each set's principals for that set's two methods only, an organization through aws:PrincipalOrgID", () => {
    const api = propertiesOf<{ Policy: { Statement: unknown[] } }>(template, 'AWS::ApiGateway::RestApi')[0]!;
    const root = { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] } };
    const routes = (prefix: string) => [`execute-api:/prod/GET${prefix}/token`, `execute-api:/prod/POST${prefix}/token/refresh`];
    const allow = { Effect: 'Allow', Action: 'execute-api:Invoke' };
    // The deploying account, whose principals identity policies decide for, is named once for every route.
    expect(api.Policy.Statement).toEqual([
      { ...allow, Principal: root, Resource: [...routes('/sets/*'), ...routes('')].sort() },
      { ...allow, Principal: { AWS: 'arn:aws:iam::222222222222:role/partner' }, Resource: routes('/sets/eu-prod') },
      { ...allow, Principal: { AWS: '*' }, Resource: routes('/sets/staging'), Condition: { StringEquals: { 'aws:PrincipalOrgID': ['o-a1b2c3d4e5'] } } },
    ]);
  });
});

describe('outputs', () => {
  it("name each set's alias ARN, token URL and secret ARN, with ids derived from the set's name", () => {
    const outputs = Object.fromEntries(Object.entries(template.findOutputs('*')).filter(([id]) => id.startsWith('CredentialSet')));
    expect(Object.keys(outputs).sort()).toEqual(
      ['EuProd', 'UsProd', 'Staging'].flatMap((id) => ['AliasArn', 'TokenUrl', 'SecretArn'].map((what) => `CredentialSet${id}${what}`)).sort(),
    );
    expect(resolver.resolve('Vendor', outputs.CredentialSetEuProdAliasArn!.Value)).toBe(
      'arn:aws:lambda:eu-west-1:111111111111:function:Vendor-' + Object.keys(template.findResources('AWS::Lambda::Function'))[0] + ':eu-prod',
    );
    expect(resolver.resolve('Vendor', outputs.CredentialSetUsProdTokenUrl!.Value)).toMatch(
      /^https:\/\/[0-9a-f]+\.execute-api\.eu-west-1\.amazonaws\.com\/prod\/sets\/us-prod\/token$/,
    );
  });
});

describe('operations', () => {
  it('alarm on a set\'s own budget, on its per-set metric (dimensions service and credentialSet)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Vendor-TokenVendor-MonthlyTokenBudget-eu-prod',
      Namespace: METRICS_NAMESPACE,
      MetricName: MetricName.tokensMintedThisMonth,
      Statistic: 'Maximum',
      Threshold: 800,
      Dimensions: [
        { Name: CREDENTIAL_SET_DIMENSION, Value: 'eu-prod' },
        { Name: 'service', Value: 'Vendor-TokenVendor' },
      ],
    });
    expect(Object.keys(vendor.alarms.credentialSetMonthlyTokenBudgets ?? {})).toEqual(['eu-prod']);
  });

  it('graph mints, issuer requests, failures, quota and monthly mints per set on the dashboard', () => {
    const body = JSON.stringify(resolver.resolve('Vendor', propertiesOf<{ DashboardBody: unknown }>(template, 'AWS::CloudWatch::Dashboard')[0]!.DashboardBody));
    for (const metric of ['TokensMinted', 'IssuerRequests', 'IssuerFailures', 'IssuerQuotaLowestRemainingPercent', 'TokensMintedThisMonth']) {
      expect(body).toContain(`SEARCH('{${METRICS_NAMESPACE},${CREDENTIAL_SET_DIMENSION},service} MetricName=\\\\\\"${metric}\\\\\\"`);
    }
  });
});

describe('settings refused at synth, each naming what to fix', () => {
  const build = (props: TokenVendorProps) => () => new TokenVendor(new Stack(createApp({ nag: false }), 'S'), 'V', props);
  it.each([
    [{ credentialSets: { default: {} } }, /set named 'default'/],
    [{ credentialSets: { 'EU-prod': {} } }, /credential set name 'EU-prod' is invalid: use a lowercase letter/],
    [{ credentialSets: { '1st': {} } }, /credential set name '1st' is invalid/],
    [{ credentialSets: { ['a'.repeat(41)]: {} } }, /is invalid/],
    [{ credentialSets: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`set-${i}`, { secretName: `s${i}` }])) }, /51 sets: at most 50/],
    [{ credentialSets: { 'eu-prod': { wllRegoin: 'us' } as never } }, /credential set 'eu-prod' has the unknown setting 'wllRegoin'/],
    [{ credentialSets: { 'eu-prod': { wllRegion: 'asia' } } }, /credential set 'eu-prod': .*wllRegion/],
    [{ credentialSets: { 'eu-prod': { allowedPrincipalArns: ['*'] } } }, /credential set 'eu-prod': allowedPrincipalArns has '\*'/],
    [{ credentialSets: { 'eu-prod': { monthlyTokenBudget: 0 } } }, /credential set 'eu-prod': monthlyTokenBudget is 0/],
    [{ credentialSets: { 'a-1': {}, a1: {} } }, /'a-1' and 'a1' would share the resource and output ids 'A1'/],
    [{ privateApi: { vpcEndpointIds: [] } }, /privateApi.vpcEndpointIds is empty/],
    [{ privateApi: { vpcEndpointIds: ['vpc-123'] } }, /'vpc-123', which is not a VPC endpoint id/],
  ] as Array<[TokenVendorProps, RegExp]>)('refuses case %#, with a message matching %p', (props, message) => {
    expect(build(props)).toThrow(message);
  });

  it('grants of an unknown set name the sets there are', () => {
    const role = new iam.Role(stack, `Caller${Date.now()}`, { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => vendor.grantInvoke(role, { credentialSet: 'eu-dev' })).toThrow(
      /grantInvoke: there is no credential set 'eu-dev' \(its sets are 'eu-prod', 'us-prod', 'staging'\)/,
    );
    expect(() => vendor.grantApiAccess(role, { credentialSet: 'eu-dev' })).toThrow(/grantApiAccess: there is no credential set 'eu-dev'/);
  });
});

describe('an organization in the construct-wide allowedPrincipalArns (the default set)', () => {
  it('is allowed the default routes through aws:PrincipalOrgID and the unqualified function through PrincipalOrgID', () => {
    const orgStack = new Stack(createApp({ nag: false }), 'Org');
    new TokenVendor(orgStack, 'V', { allowedPrincipalArns: ['o-a1b2c3d4e5'] });
    const assertTemplate = Template.fromStack(orgStack);
    assertTemplate.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Policy: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: 'execute-api:Invoke',
            Principal: { AWS: '*' },
            Resource: ['execute-api:/prod/GET/token', 'execute-api:/prod/POST/token/refresh'],
            Condition: { StringEquals: { 'aws:PrincipalOrgID': ['o-a1b2c3d4e5'] } },
          },
        ]),
      },
    });
    assertTemplate.hasResourceProperties('AWS::Lambda::Permission', { Principal: '*', PrincipalOrgID: 'o-a1b2c3d4e5', FunctionName: Match.objectLike({ 'Fn::GetAtt': Match.anyValue() }) });
  });
});

describe('the private API', () => {
  it('is PRIVATE, associated with its endpoints, and denies requests from anywhere else', () => {
    const privateStack = new Stack(createApp({ nag: false }), 'Private');
    new TokenVendor(privateStack, 'V', { privateApi: { vpcEndpointIds: ['vpce-0123456789abcdef0'] } });
    const assertTemplate = Template.fromStack(privateStack);
    assertTemplate.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['PRIVATE'], VpcEndpointIds: ['vpce-0123456789abcdef0'] },
      Policy: {
        Statement: Match.arrayWith([
          {
            Effect: 'Deny',
            Action: 'execute-api:Invoke',
            Principal: { AWS: '*' },
            Resource: 'execute-api:/*',
            Condition: { StringNotEquals: { 'aws:SourceVpce': ['vpce-0123456789abcdef0'] } },
          },
        ]),
      },
    });
    assertTemplate.allResourcesProperties('AWS::ApiGateway::Method', { AuthorizationType: 'AWS_IAM' });
  });
});
