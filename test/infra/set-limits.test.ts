import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TokenVendor } from '../../infra/token-vendor';
import type { CredentialSetProps } from '../../infra/token-vendor-props';
import { TokenVendorStack, type TokenVendorStackProps } from '../../infra/token-vendor-stack';
import { environment, environmentBytes, functionRolePolicyLength, storedApiPolicy, type SizedTemplate } from '../support/stored-sizes';
import { createApp } from './fixture';

// Issue 24: CONTRACT section 8 promises up to 50 credential sets, so 50 must fit what AWS accepts: the
// API's resource policy within API Gateway's limit on its length (8,192 characters unless the quota is
// raised), the function's environment within Lambda's 4,096 bytes. Both are measured here on the
// synthesized template as AWS counts them (test/support/stored-sizes.ts), apart from the construct's
// own checks: whatever synthesizes must fit, and what does not fit must fail at synth, saying what to do.
const STACK = 'WllTokenVendor';
const POLICY_LIMIT = 8_192;
const ENVIRONMENT_LIMIT = 4_096;
const ROLE_POLICY_LIMIT = 10_240;

interface Synthesized {
  readonly template: SizedTemplate;
  readonly policy: string;
  readonly environmentBytes: number;
}

// A synthesis of 50 sets takes seconds: each deployment is synthesized once.
const synthesized = new Map<string, Synthesized>();
function synth(props: TokenVendorStackProps): Synthesized {
  const key = JSON.stringify(props);
  const known = synthesized.get(key);
  if (known !== undefined) return known;
  const stack = new TokenVendorStack(createApp({ nag: false }), STACK, props);
  const template = Template.fromStack(stack).toJSON() as SizedTemplate;
  const result = { template, policy: storedApiPolicy(template, STACK), environmentBytes: environmentBytes(template, STACK) };
  synthesized.set(key, result);
  return result;
}

/** The synthesized template's sizes, or the settings error the synth failed with. */
function attempt(props: TokenVendorStackProps): Synthesized | { readonly error: string } {
  try {
    return synth(props);
  } catch (error) {
    if (error instanceof Error && error.name === 'TokenVendorSettingsError') return { error: error.message };
    throw error;
  }
}
const synthError = (props: TokenVendorStackProps): string | undefined => {
  const result = attempt(props);
  return 'error' in result ? result.error : undefined;
};

/** `count` sets named `tenant-00`, ... (or padded to `length` characters), each with `settings(index)`. */
function sets(count: number, settings: (index: number) => CredentialSetProps = () => ({}), length = 9): Record<string, CredentialSetProps> {
  const name = (index: number) => `tenant-${String(index).padStart(2, '0')}${'-'.padEnd(Math.max(0, length - 9), 'x')}`.slice(0, Math.max(9, length));
  return Object.fromEntries(Array.from({ length: count }, (_, index) => [name(index), settings(index)]));
}
/** Three partner roles of their own for set `index`, each in an account of its own. */
const ownPartners = (index: number): string[] => [0, 1, 2].map((j) => `arn:aws:iam::${200_000_000_000 + index * 10 + j}:role/wll-token-caller-${j}`);
const SHARED_PARTNERS = ['arn:aws:iam::222222222222:role/orders', 'arn:aws:iam::333333333333:role/billing', '444444444444'];

describe("the API's resource policy", () => {
  it("whatever synthesizes fits API Gateway's 8,192 characters, counted as it stores the policy (the review's 26 to 50 sets)", () => {
    // Secrets by name, as the review deployed them: before the fix, 28 sets without partners synthesized
    // with a policy of 8,984 characters (eu-west-1), and API Gateway would have refused it at deploy.
    const misfits: string[] = [];
    for (const count of [28, 50]) {
      for (const principals of [false, true]) {
        const result = attempt({ credentialSets: sets(count, (index) => ({ secretName: `wll/${index}`, ...(principals && { allowedPrincipalArns: ownPartners(index) }) })) });
        const label = `${count} sets${principals ? ' with partners' : ''}`;
        if ('error' in result) {
          if (!/resource policy would be \d+ characters/.test(result.error)) misfits.push(`${label}: ${result.error}`);
        } else if (result.policy.length > POLICY_LIMIT) misfits.push(`${label}: ${result.policy.length}`);
      }
    }
    expect(misfits).toEqual([]);
  });

  it('does not grow with sets that have no principals of their own: the deploying account is named once for every route', () => {
    const lengths = [2, 26, 50].map((count) => synth({ credentialSets: sets(count) }).policy.length);
    expect(new Set(lengths).size).toBe(1);
    expect(lengths[0]).toBeLessThan(600);
  });

  it('50 sets with three partners of their own each fail at synth, naming the length, the limit and what to do', () => {
    const error = synthError({ credentialSets: sets(50, (index) => ({ allowedPrincipalArns: ownPartners(index) })) });
    expect(error).toMatch(
      /^Invalid TokenVendor setting: the API's resource policy would be \d{5} characters as API Gateway stores it, over its limit of 8192\. Ask for more in Service Quotas \(API Gateway, 'Length, in characters, of API Gateway resource policy', 8,192 by default\) and set apiResourcePolicyMaxLength to the granted length; or name fewer principals: .*split the credential sets over two deployments\.$/,
    );
  });

  it('fits at its limit and fails one character below it: the check counts exactly what the template stores', () => {
    const credentialSets = sets(50, (index) => ({ allowedPrincipalArns: ownPartners(index) }));
    const raised = 30_000;
    const { policy } = synth({ credentialSets, apiResourcePolicyMaxLength: raised });
    expect(policy.length).toBeGreaterThan(POLICY_LIMIT);
    expect(synthError({ credentialSets, apiResourcePolicyMaxLength: policy.length })).toBeUndefined();
    expect(synthError({ credentialSets, apiResourcePolicyMaxLength: policy.length - 1 })).toContain(
      `would be ${policy.length} characters as API Gateway stores it, over its limit of ${policy.length - 1} (as raised by apiResourcePolicyMaxLength)`,
    );
  });

  it('gives sets that share their partners one statement, so 50 sets with the same three partners fit the default limit', () => {
    const { template, policy } = synth({ credentialSets: sets(50, () => ({ allowedPrincipalArns: SHARED_PARTNERS })) });
    expect(policy.length).toBeLessThanOrEqual(POLICY_LIMIT);
    const api = Object.values(template.Resources).find((resource) => resource.Type === 'AWS::ApiGateway::RestApi')!;
    const statements = (api.Properties!.Policy as { Statement: Array<{ Resource: string[] }> }).Statement;
    // The deploying account for every route (it delegates to identity policies), and the three partners for every set at once.
    const everySet = ['execute-api:/prod/GET/sets/*/token', 'execute-api:/prod/POST/sets/*/token/refresh'];
    expect(statements.map((statement) => statement.Resource)).toEqual([
      [...everySet, 'execute-api:/prod/GET/token', 'execute-api:/prod/POST/token/refresh'].sort(),
      everySet,
    ]);
  });
});

describe("the function's environment", () => {
  it("whatever synthesizes fits Lambda's 4,096 bytes: the review's 17 sets of 40-character names and 21 of 16, and 50 of 40, with created secrets", () => {
    // Before the fix the first two synthesized with environments of 4,329 and 4,245 bytes (longest region).
    const results = (
      [
        [17, 40],
        [21, 16],
        [50, 40],
      ] as const
    ).map(([count, length]) => {
      const result = attempt({ credentialSets: sets(count, () => ({}), length) });
      return `${count} sets of ${length}: ${'error' in result ? result.error : result.environmentBytes <= ENVIRONMENT_LIMIT ? 'fits' : `${result.environmentBytes} bytes`}`;
    });
    expect(results).toEqual(['17 sets of 40: fits', '21 sets of 16: fits', '50 sets of 40: fits']);
  });

  it('carries no ARN per created secret: the function reads <CREDENTIAL_SETS_SECRET_PREFIX><set>', () => {
    const variables = environment(synth({ credentialSets: sets(3) }).template, STACK);
    expect(JSON.parse(variables.CREDENTIAL_SETS!)).toEqual({ 'tenant-00': {}, 'tenant-01': {}, 'tenant-02': {} });
    expect(variables.CREDENTIAL_SETS_SECRET_PREFIX).toBe('WllTokenVendor-TokenVendor/');
  });

  it('fits at 4,096 bytes and fails at 4,097, naming the size and what to do', () => {
    // 50 sets of 40-character names, padded with audiences of the first sets: each adds "audience":"" and its length.
    const padded = (extra: number) => {
      const count = Math.ceil(extra / 213);
      const lengths = Array.from({ length: count }, (_, index) => Math.floor(extra / count) - 13 + (index === 0 ? extra % count : 0));
      return sets(50, (index) => (index < count ? { wllAudience: `${'a'.repeat(lengths[index]! - 4)}.net` } : {}), 40);
    };
    const base = synth({ credentialSets: padded(0) }).environmentBytes;
    const atLimit = padded(ENVIRONMENT_LIMIT - base);
    expect(synth({ credentialSets: atLimit }).environmentBytes).toBe(ENVIRONMENT_LIMIT);
    expect(synthError({ credentialSets: padded(ENVIRONMENT_LIMIT - base + 1) })).toMatch(
      /^Invalid TokenVendor setting: the function's environment would take 4097 bytes, \d+ of them CREDENTIAL_SETS, over Lambda's limit of 4096 .*split the sets over two deployments\.$/,
    );
  });
});

describe("the function role's policy", () => {
  it("names 50 sets' secrets within IAM's 10,240 characters, and a construct path long enough to exceed it fails at synth", () => {
    // Each created secret is named after the construct's path, so a deeper path makes every ARN longer.
    const fifty = sets(50, () => ({}), 40);
    const length = functionRolePolicyLength(synth({ credentialSets: fifty }).template, STACK);
    expect(length).toBeLessThanOrEqual(ROLE_POLICY_LIMIT);
    const host = new Stack(createApp({ nag: false }), 'Platform');
    expect(() => new TokenVendor(host, 'x'.repeat(90), { credentialSets: fifty })).toThrow(/^Invalid TokenVendor setting: the function role's policy would be \d+ characters, over IAM's limit of 10240/);
  });
});
