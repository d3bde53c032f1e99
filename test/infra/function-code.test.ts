import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { FUNCTION_BUNDLE_BUDGET_BYTES, functionBuildDir, functionCode, packageRoot } from '../../infra/function-code';
import { TokenVendorStack } from '../../infra/token-vendor-stack';
import { createApp } from './fixture';

/**
 * The function's code as the construct deploys it: bundled from source in a checkout (this
 * repository), the prebuilt bundle in an installed package, never with Docker, and without
 * what only costs at run time (a source map parsed on a container's first error, the
 * TypeScript sources, NODE_OPTIONS).
 */
const scratch: string[] = [];
afterAll(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function scratchDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'wll-function-code-'));
  scratch.push(dir);
  return dir;
}

/** A folder laid out like wll-token-vendor: its package.json plus `files`. */
function fakePackage(files: Record<string, string>): string {
  const root = scratchDir();
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'wll-token-vendor', version: '0.0.0' }));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), content);
  }
  return root;
}

/** Synthesizes a function with `code` and returns the files of its staged asset. */
function stagedFiles(code: () => lambda.Code): { dir: string; files: string[] } {
  const app = createApp({ bundle: true, nag: false });
  const stack = new Stack(app, 'Code');
  const fn = new lambda.Function(stack, 'Fn', { code: code(), handler: 'index.handler', runtime: lambda.Runtime.NODEJS_24_X });
  const assembly = app.synth();
  const asset = fn.node.findChild('Code') as Asset;
  const dir = path.join(assembly.directory, asset.assetPath);
  return { dir, files: readdirSync(dir).sort() };
}

describe('in this checkout, the stack deploys the source bundled at synth', () => {
  let app: ReturnType<typeof createApp>;
  let stack: TokenVendorStack;
  let assetDir: string;

  beforeAll(() => {
    app = createApp({ bundle: true });
    stack = new TokenVendorStack(app, 'WllTokenVendor');
    const assembly = app.synth();
    assetDir = path.join(assembly.directory, (stack.tokenVendor.function.node.findChild('Code') as Asset).assetPath);
  });

  it('ships index.js alone: no source map, no sources, no sourceMappingURL', () => {
    expect(readdirSync(assetDir)).toEqual(['index.js']);
    expect(readFileSync(path.join(assetDir, 'index.js'), 'utf8')).not.toMatch(/sourceMappingURL/);
  });

  it('requires nothing but Node.js built-ins: the AWS SDK and every other package are inside', () => {
    const code = readFileSync(path.join(assetDir, 'index.js'), 'utf8');
    const required = [...code.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]!);
    // The SDK names the optional CRT signer only in the text of an error message.
    const external = required.filter((name) => !isBuiltin(name) && name !== '@aws-sdk/signature-v4-crt');
    expect(required.length).toBeGreaterThan(0);
    expect(external).toEqual([]);
    // Minified: under one line per kilobyte (esbuild's readable output has one every few dozen bytes).
    expect(code.split('\n').length).toBeLessThan(code.length / 1000 + 5);
  });

  it(`stays within its budget of ${FUNCTION_BUNDLE_BUDGET_BYTES} bytes: what slows a cold start grows the bundle first`, () => {
    const bytes = statSync(path.join(assetDir, 'index.js')).size;
    if (bytes > FUNCTION_BUNDLE_BUDGET_BYTES) {
      throw new Error(
        `The function's bundle is ${bytes} bytes, over its budget of ${FUNCTION_BUNDLE_BUDGET_BYTES} (FUNCTION_BUNDLE_BUDGET_BYTES in infra/function-code.ts). ` +
          '`npm run bench -- cold` lists its largest packages and measures the cold start: cut what grew, or raise the budget with the cost it measured in docs/benchmark.md.',
      );
    }
    expect(bytes).toBeLessThanOrEqual(FUNCTION_BUNDLE_BUDGET_BYTES);
  });

  it('holds nothing the function never runs: no HTTP/2, no credential process, profile, SSO or STS provider', () => {
    const code = readFileSync(path.join(assetDir, 'index.js'), 'utf8');
    const required = new Set([...code.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]!));
    expect(required).not.toContain('node:http2');
    expect(required).not.toContain('node:child_process');
    // Names only the SDK's default credential chain carries (its SSO, web identity and STS clients).
    for (const marker of ['AssumeRoleWithWebIdentity', 'sso_start_url', 'credential_process']) expect(code).not.toContain(marker);
  });

  it('is the same bundle as dist/function/index.js, whose source map is kept there without the sources', () => {
    const buildDir = functionBuildDir(packageRoot());
    expect(readFileSync(path.join(assetDir, 'index.js'))).toEqual(readFileSync(path.join(buildDir, 'index.js')));
    const map = JSON.parse(readFileSync(path.join(buildDir, 'index.js.map'), 'utf8')) as { sources: string[]; sourcesContent?: unknown };
    expect(map.sourcesContent).toBeUndefined();
    expect(map.sources).toContain('../../lambda/handler.ts');
  });

  it('sets no NODE_OPTIONS: no --enable-source-maps on the container', () => {
    const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function');
    const environments = Object.values(functions).map(
      (resource) => (resource as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties.Environment?.Variables ?? {},
    );
    expect(environments).toHaveLength(1);
    for (const variables of environments) expect(variables).not.toHaveProperty('NODE_OPTIONS');
  });
});

describe('an installed package (no lambda/ sources)', () => {
  it('deploys the prebuilt dist/function/index.js and leaves its source map out of the asset', () => {
    const root = fakePackage({ 'dist/function/index.js': 'exports.handler = async () => ({});\n', 'dist/function/index.js.map': '{"version":3}' });

    const { dir, files } = stagedFiles(() => functionCode({ packageRoot: root }));

    expect(files).toEqual(['index.js']);
    expect(readFileSync(path.join(dir, 'index.js'), 'utf8')).toBe('exports.handler = async () => ({});\n');
  });

  it('without its bundle, says to reinstall the package', () => {
    const root = fakePackage({});

    expect(() => functionCode({ packageRoot: root })).toThrow(/bundle .*dist\/function\/index\.js is missing: reinstall the wll-token-vendor package/);
  });
});

describe('a checkout without esbuild', () => {
  it('fails the synth with a message naming esbuild, instead of falling back to Docker', () => {
    const root = fakePackage({ 'lambda/handler.ts': 'export const handler = async () => ({});\n' });

    expect(() => stagedFiles(() => functionCode({ packageRoot: root }))).toThrow(
      /esbuild is not installed: .* is a checkout of wll-token-vendor, where the token function is bundled from source with esbuild \(never with Docker\)\. Run `npm ci` there/,
    );
  });
});
