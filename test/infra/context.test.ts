import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CONTEXT_KEYS, ContextError, readTokenVendorContext } from '../../infra/context';
import { TokenVendorStack } from '../../infra/token-vendor-stack';
import { CDK_CONTEXT, createApp } from './fixture';

// Context arrives typed from cdk.json and as strings from `cdk synth -c key=value`.
const read = (context: Record<string, unknown>): ReturnType<typeof readTokenVendorContext> =>
  readTokenVendorContext(new App({ context: { ...CDK_CONTEXT, ...context } }).node);

describe('cdk.json', () => {
  it('holds a default for every context key of CONTRACT section 6', () => {
    for (const key of CONTEXT_KEYS) expect(CDK_CONTEXT).toHaveProperty(key);
  });

  it('defaults to the EU endpoint, the default audience, a created secret and same-account callers', () => {
    expect(read({})).toEqual({
      wllRegion: 'eu',
      wllAudience: 'wlloyalty.net',
      allowedAudiences: undefined,
      secretName: undefined,
      allowedPrincipalArns: undefined,
      refreshMarginSeconds: 300,
      refreshScheduleMinutes: 30,
      monthlyTokenBudget: undefined,
      apiCloudWatchRole: false,
      credentialSets: undefined,
      defaultCredentialSet: true,
      apiResourcePolicyMaxLength: 8192,
    });
  });
});

describe('credentialSets', () => {
  const sets = { 'eu-prod': { secretName: 'wll/eu-prod', allowedPrincipalArns: ['o-a1b2c3d4e5'], monthlyTokenBudget: 1000 }, staging: {} };

  it('is read as a JSON object from cdk.json, or as a JSON string from -c', () => {
    expect(read({ credentialSets: sets }).credentialSets).toEqual(sets);
    expect(read({ credentialSets: JSON.stringify(sets) }).credentialSets).toEqual(sets);
  });

  it('takes lists as comma-separated strings and a budget as a string too, and {} or "" as no sets', () => {
    expect(read({ credentialSets: { a: { allowedAudiences: 'x.wlloyalty.net, wlloyalty.net', monthlyTokenBudget: '10' } } }).credentialSets).toEqual({
      a: { allowedAudiences: ['x.wlloyalty.net', 'wlloyalty.net'], monthlyTokenBudget: 10 },
    });
    expect(read({ credentialSets: {} }).credentialSets).toBeUndefined();
    expect(read({ credentialSets: '' }).credentialSets).toBeUndefined();
  });

  it.each([
    ['{"eu-prod": ', /credentialSets: it is not valid JSON/],
    ['["eu-prod"]', /credentialSets: expected a JSON object from set name to settings/],
    [{ 'eu-prod': 'wll/eu-prod' }, /credentialSets: set 'eu-prod': expected an object with the set's settings/],
    [{ 'eu-prod': { allowedPrincipalArns: [111122223333] } }, /set 'eu-prod': allowedPrincipalArns: expected a list of strings/],
    [{ 'eu-prod': { wllRegion: 1 } }, /set 'eu-prod': wllRegion: expected a string/],
    [{ 'eu-prod': { monthlyTokenBudget: 'lots' } }, /set 'eu-prod': monthlyTokenBudget: "lots" is not a whole number/],
  ])('refuses %j, saying what is wrong', (value, message) => {
    expect(() => read({ credentialSets: value })).toThrow(ContextError);
    expect(() => read({ credentialSets: value })).toThrow(message);
  });

  it('reach the stack: a set from the context gets its alias and outputs', () => {
    const app = createApp({ nag: false, context: { credentialSets: '{"eu-prod": {"wllRegion": "us"}}' } });
    const stack = new TokenVendorStack(app, 'WllTokenVendor', readTokenVendorContext(app.node));
    const assertTemplate = Template.fromStack(stack);
    assertTemplate.hasResourceProperties('AWS::Lambda::Alias', { Name: 'eu-prod' });
    expect(Object.keys(assertTemplate.findOutputs('*'))).toContain('CredentialSetEuProdAliasArn');
  });
});

describe('values from the command line', () => {
  it('take lists as comma-separated strings or JSON arrays, and numbers as strings', () => {
    expect(
      read({
        allowedAudiences: ' staging.wlloyalty.net, wlloyalty.net ,',
        allowedPrincipalArns: '["111122223333","arn:aws:iam::444455556666:role/caller"]',
        refreshMarginSeconds: '600',
        secretName: 'wll/credentials',
      }),
    ).toMatchObject({
      allowedAudiences: ['staging.wlloyalty.net', 'wlloyalty.net'],
      allowedPrincipalArns: ['111122223333', 'arn:aws:iam::444455556666:role/caller'],
      refreshMarginSeconds: 600,
      secretName: 'wll/credentials',
    });
  });

  it('take booleans as true/false strings, and a budget as a number where 0 means none', () => {
    expect(read({ apiCloudWatchRole: 'true', monthlyTokenBudget: '1000' })).toMatchObject({ apiCloudWatchRole: true, monthlyTokenBudget: 1000 });
    expect(read({ apiCloudWatchRole: ' FALSE ', monthlyTokenBudget: 0 })).toMatchObject({ apiCloudWatchRole: false, monthlyTokenBudget: undefined });
  });

  it('treat an empty value as "use the default"', () => {
    expect(read({ wllRegion: '', allowedAudiences: '', refreshMarginSeconds: '' })).toMatchObject({
      wllRegion: undefined,
      allowedAudiences: undefined,
      refreshMarginSeconds: undefined,
    });
  });

  it('reach the function and the API through the stack', () => {
    const app = createApp({
      context: {
        wllRegion: 'me',
        wllAudience: 'production.wlloyalty.net',
        allowedAudiences: 'production.wlloyalty.net,staging.wlloyalty.net',
        refreshMarginSeconds: '900',
        allowedPrincipalArns: '111122223333',
      },
    });
    const stack = new TokenVendorStack(app, 'WllTokenVendor', readTokenVendorContext(app.node));
    const assertTemplate = Template.fromStack(stack);
    assertTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          WLL_REGION: 'me',
          WLL_AUDIENCE: 'production.wlloyalty.net',
          WLL_ALLOWED_AUDIENCES: 'production.wlloyalty.net,staging.wlloyalty.net',
          TOKEN_REFRESH_MARGIN_SECONDS: '900',
        },
      },
    });
    assertTemplate.hasResourceProperties('AWS::Lambda::Permission', { Principal: '111122223333' });
  });
});

describe('invalid context fails at synth, naming the key and what it accepts', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'a non-numeric margin',
      { refreshMarginSeconds: 'soon' },
      /Invalid context value for refreshMarginSeconds: "soon" is not a whole number of seconds: use 0 to 86399 \(default 300\)/,
    ],
    ['a region that is not a string', { wllRegion: 7 }, /Invalid context value for wllRegion: expected a string, got 7/],
    [
      'a schedule in words',
      { refreshScheduleMinutes: 'hourly' },
      /Invalid context value for refreshScheduleMinutes: "hourly" is not a whole number of minutes: use 1 to 1440, or 0 to turn the scheduled refresh off/,
    ],
    ['a list of numbers', { allowedPrincipalArns: [111122223333] }, /Invalid context value for allowedPrincipalArns: expected a list of strings/],
    ['a broken JSON array', { allowedAudiences: '["a",' }, /Invalid context value for allowedAudiences: it starts with "\[" but is not a JSON array/],
    ['a budget in words', { monthlyTokenBudget: 'lots' }, /Invalid context value for monthlyTokenBudget: "lots" is not a whole number of tokens/],
    ['a boolean in words', { apiCloudWatchRole: 'yes' }, /Invalid context value for apiCloudWatchRole: expected true or false, got "yes"/],
  ])('%s', (_case, context, message) => {
    expect(() => read(context)).toThrow(message);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['an unknown region', { wllRegion: 'asia' }, /Invalid TokenVendor setting: wllRegion is 'asia': accepted values are eu, us and me \(GCC\)/],
    ['a margin above a token lifetime', { refreshMarginSeconds: '90000' }, /refreshMarginSeconds is '90000': use a whole number of seconds from 0 to 86399/],
    ['a malformed principal', { allowedPrincipalArns: 'arn:aws:iam::1234:user/x' }, /allowedPrincipalArns has 'arn:aws:iam::1234:user\/x', which is not an IAM principal/],
    ['a partial secret ARN', { secretName: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:wll' }, /secretName '.*' is not a complete Secrets Manager secret ARN/],
  ])('%s', (_case, context, message) => {
    const app = createApp({ context });
    expect(() => new TokenVendorStack(app, 'WllTokenVendor', readTokenVendorContext(app.node))).toThrow(message);
  });
});

describe('a context key that looks like one of ours fails the synth, naming both', () => {
  it.each<[string, string]>([
    ['wllregion', 'wllRegion'], // another case
    ['WLLREGION', 'wllRegion'],
    ['allowedAudience', 'allowedAudiences'], // one letter short
    ['allowed-principal-arns', 'allowedPrincipalArns'], // separators
    ['refreshMargin', 'refreshMarginSeconds'], // shortened
    ['refershScheduleMinutes', 'refreshScheduleMinutes'], // transposed letters
    ['wllAudeince', 'wllAudience'],
    ['monthlyTokenBugdet', 'monthlyTokenBudget'],
    ['apiCloudwatchRole', 'apiCloudWatchRole'],
    ['region', 'wllRegion'], // a part of the name
    ['secretname', 'secretName'],
  ])('%s (did you mean %s?)', (given, known) => {
    expect(() => read({ [given]: 'us' })).toThrow(
      new RegExp(`^Unknown context key '${given}': did you mean '${known}'\\? Context keys are case-sensitive`),
    );
  });

  it('stops infra/app.ts (what cdk synth runs) with the message alone and exit code 1', () => {
    // The CDK CLI hands the app its context (cdk.json plus -c) in CDK_CONTEXT_JSON.
    const outdir = mkdtempSync(path.join(tmpdir(), 'wll-context-'));
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'infra', 'app.ts')], {
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_CONTEXT, wllregion: 'us' }), CDK_OUTDIR: outdir },
      encoding: 'utf8',
    });
    rmSync(outdir, { recursive: true, force: true });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toMatch(/^Unknown context key 'wllregion': did you mean 'wllRegion'\? .*Use -c wllRegion=\.\.\./);
    expect(run.stderr).not.toMatch(/\bat \S+ \(/); // no stack trace
  });

  it('is a ContextError', () => {
    expect(() => read({ wllregion: 'us' })).toThrow(ContextError);
  });

  it('leaves keys of CDK itself, feature flags, look-ups and unrelated keys alone', () => {
    expect(() =>
      read({
        '@aws-cdk/aws-apigateway:disableCloudWatchRole': true,
        '@aws-cdk/core:newStyleStackSynthesis': true,
        'aws:cdk:enable-path-metadata': true,
        'aws:cdk:bundling-stacks': ['**'],
        'cdk-toolkit': 'x',
        'availability-zones:account=111122223333:region=eu-west-1': ['eu-west-1a'],
        'acknowledged-issue-numbers': [32775],
        environmentName: 'staging',
        team: 'orders',
      }),
    ).not.toThrow();
  });
});
