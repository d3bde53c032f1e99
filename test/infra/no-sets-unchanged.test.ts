import { Template } from 'aws-cdk-lib/assertions';
import { TokenVendorStack } from '../../infra/token-vendor-stack';
import before from './fixtures/default-stack-resources.json';
import { createApp } from './fixture';

// Issue 16: a deployment without credential sets keeps its template. The fixture holds the default
// stack's resources (logical id -> type) and outputs as synthesized before sets existed; the only
// change sets brought to such a deployment is the narrower grantInvoke, which lives in the
// grantee's policy (grants.test.ts), not in this stack.
const template = Template.fromStack(new TokenVendorStack(createApp({ nag: false }), 'WllTokenVendor')).toJSON() as {
  Resources: Record<string, { Type: string }>;
  Outputs: Record<string, unknown>;
};

describe('the default stack, without credential sets', () => {
  it('has exactly the resources, by logical id and type, it had before credential sets', () => {
    const resources = Object.fromEntries(Object.entries(template.Resources).map(([id, resource]) => [id, resource.Type]));
    expect(resources).toEqual(before.resources);
  });

  it('has exactly the outputs it had before', () => {
    expect(Object.keys(template.Outputs)).toEqual(before.outputs);
  });

  it('gives the function no CREDENTIAL_SETS and publishes no version or alias', () => {
    const fn = Object.values(template.Resources).find((resource) => resource.Type === 'AWS::Lambda::Function') as unknown as {
      Properties: { Environment: { Variables: Record<string, unknown> } };
    };
    expect(fn.Properties.Environment.Variables).not.toHaveProperty('CREDENTIAL_SETS');
    const types = Object.values(template.Resources).map((resource) => resource.Type);
    expect(types).not.toContain('AWS::Lambda::Alias');
    expect(types).not.toContain('AWS::Lambda::Version');
  });
});
