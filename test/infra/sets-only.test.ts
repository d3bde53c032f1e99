import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { readTokenVendorContext } from '../../infra/context';
import { TokenVendor, type TokenVendorProps } from '../../infra/token-vendor';
import { TokenVendorStack } from '../../infra/token-vendor-stack';
import { TemplateResolver } from '../support/iam-callers/template-resolver';
import { CDK_CONTEXT, createApp, nagFindings, propertiesOf } from './fixture';

// Issue 24: a deployment of named sets only (defaultCredentialSet: false, CONTRACT section 8). Without it
// the construct always created the default set's secret, whose placeholder failed every scheduled run.
// The real handler runs this deployment's environment in test/integration/sets-only-deployment.test.ts.
const app = createApp();
const stack = new TokenVendorStack(app, 'Vendor', {
  defaultCredentialSet: false,
  credentialSets: { 'eu-prod': { allowedPrincipalArns: ['arn:aws:iam::222222222222:role/partner'] }, 'us-prod': { wllRegion: 'us', secretName: 'wll/us-prod' } },
});
const template = Template.fromStack(stack);
const resolver = new TemplateResolver({ Vendor: template.toJSON() });
const vendor = stack.tokenVendor;

describe('a deployment of named sets only', () => {
  it('creates no default secret: only the sets that name none get one, named <instance>/<set>', () => {
    expect(propertiesOf<{ Name?: string }>(template, 'AWS::SecretsManager::Secret').map((secret) => secret.Name)).toEqual(['Vendor-TokenVendor/eu-prod']);
  });

  it("gives the function no default set's variables, and lets it read the sets' secrets only", () => {
    const [fn] = propertiesOf<{ Environment: { Variables: Record<string, unknown> } }>(template, 'AWS::Lambda::Function');
    for (const name of ['CREDENTIALS_SECRET_ID', 'WLL_REGION', 'WLL_AUDIENCE', 'WLL_ALLOWED_AUDIENCES']) expect(fn!.Environment.Variables).not.toHaveProperty(name);
    const statements = propertiesOf<{ PolicyDocument: { Statement: Array<{ Action: unknown; Resource: unknown }> } }>(template, 'AWS::IAM::Policy').flatMap(
      (policy) => policy.PolicyDocument.Statement,
    );
    const secrets = statements.find((statement) => statement.Action === 'secretsmanager:GetSecretValue')!;
    expect((resolver.resolve('Vendor', secrets.Resource) as string[]).sort()).toEqual(
      [
        resolver.resolveString('Vendor', stack.resolve(vendor.credentialSets[0]!.secret.secretArn)),
        'arn:aws:secretsmanager:eu-west-1:111111111111:secret:wll/us-prod-??????',
      ].sort(),
    );
  });

  it('serves no /token and no /token/refresh: the API has the sets’ routes only, and its policy names no default route', () => {
    expect(propertiesOf<{ PathPart: string }>(template, 'AWS::ApiGateway::Resource').map((resource) => resource.PathPart).sort()).toEqual(['refresh', 'sets', 'token', '{name}']);
    template.resourceCountIs('AWS::ApiGateway::Method', 2);
    const [api] = propertiesOf<{ Policy: { Statement: Array<{ Resource: string[] }> } }>(template, 'AWS::ApiGateway::RestApi');
    const resources = api!.Policy.Statement.flatMap((statement) => statement.Resource);
    expect(resources.filter((resource) => !resource.includes('/sets/'))).toEqual([]);
  });

  it("has outputs that make sense: no default secret, each set's alias, URL and secret", () => {
    const outputs = Object.keys(template.findOutputs('*')).sort();
    expect(outputs).toEqual(
      [
        'TokenFunctionName',
        'TokenFunctionArn',
        'TokenApiUrl',
        'TokenTableName',
        ...['EuProd', 'UsProd'].flatMap((id) => ['AliasArn', 'TokenUrl', 'SecretArn'].map((what) => `CredentialSet${id}${what}`)),
      ].sort(),
    );
    expect(template.findOutputs('TokenFunctionName').TokenFunctionName!.Description).toMatch(/invoke a credential set's alias/);
  });

  it('grants one set at a time: without credentialSet, a grant names the sets there are; there is no default secret', () => {
    const role = new iam.Role(new Stack(app, 'Callers'), 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => vendor.grantInvoke(role)).toThrow("grantInvoke: this vendor has no default set (defaultCredentialSet: false); name the credentialSet to grant, one of 'eu-prod', 'us-prod'.");
    expect(() => vendor.grantApiAccess(role)).toThrow(/^Invalid TokenVendor setting: grantApiAccess: this vendor has no default set/);
    expect(vendor.grantApiAccess(role, { credentialSet: 'eu-prod' }).success).toBe(true);
    expect(() => vendor.secret).toThrow(/no default set \(defaultCredentialSet: false\), so no default secret/);
    expect(nagFindings(stack)).toEqual([]);
  });

  it.each([
    [{}, /defaultCredentialSet is false but credentialSets is empty/],
    [{ credentialSets: { a: {} }, secretName: 'wll/default' }, /defaultCredentialSet is false, but secretName describes the default set: give these settings to each set/],
    [{ credentialSets: { a: {} }, allowedPrincipalArns: ['111122223333'], wllRegion: 'us' }, /but allowedPrincipalArns, wllRegion describe the default set/],
    [{ credentialSets: { a: {} }, monthlyTokenBudget: 100 }, /but monthlyTokenBudget describes the default set/],
  ] as Array<[TokenVendorProps, RegExp]>)('refuses settings that would describe the missing default set (case %#)', (props, message) => {
    expect(() => new TokenVendor(new Stack(createApp({ nag: false }), 'Refused'), 'V', { defaultCredentialSet: false, ...props })).toThrow(message);
  });

  it('is chosen with the context key defaultCredentialSet, alongside cdk.json’s default region and audience', () => {
    const props = readTokenVendorContext(new App({ context: { ...CDK_CONTEXT, defaultCredentialSet: 'false', credentialSets: '{"eu-prod": {}}' } }).node);
    expect(props.defaultCredentialSet).toBe(false);
    expect(() => new TokenVendor(new Stack(createApp({ nag: false }), 'FromContext'), 'V', props)).not.toThrow();
  });
});
