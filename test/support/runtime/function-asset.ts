import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The token function as `cdk synth` deploys it: the bundled asset directory and the
 * function's settings, read from the cloud assembly (never from how it is bundled).
 */
export interface FunctionAsset {
  /** The asset directory: what Lambda unpacks into /var/task. */
  readonly dir: string;
  /** The handler string, e.g. `index.handler`. */
  readonly handler: string;
  /** The Lambda runtime, e.g. `nodejs24.x`. */
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  /** The function's environment variables whose values are plain strings in the template. */
  readonly environment: Readonly<Record<string, string>>;
  /** Variables whose values are CloudFormation references (table name, secret): the tests supply them. */
  readonly referencedVariables: readonly string[];
  /** The function's construct path, for messages. */
  readonly cdkPath: string;
}

const REPO_ROOT = join(__dirname, '..', '..', '..');

/**
 * Synthesizes the CDK app offline into a new temporary directory (the way `npm run
 * synth` does, with the CLI) and returns that directory.
 */
export function synthesizeApp(outDir = mkdtempSync(join(tmpdir(), 'wll-runtime-assembly-'))): string {
  const run = spawnSync('npx', ['cdk', 'synth', '--no-notices', '-q', '-o', outDir], {
    cwd: REPO_ROOT,
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (run.status !== 0) {
    throw new Error(`cdk synth failed (exit ${run.status}${run.error ? `, ${run.error.message}` : ''}):\n${run.stdout}\n${run.stderr}`);
  }
  return outDir;
}

type Template = { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }> };

/**
 * Finds the token function in a cloud assembly: the Lambda function whose environment
 * names TOKEN_TABLE_NAME and CREDENTIALS_SECRET_ID (CONTRACT section 1), and its
 * asset through the `aws:asset:path` metadata CDK writes beside it.
 */
export function locateTokenFunction(assemblyDir: string): FunctionAsset {
  const manifest = JSON.parse(readFileSync(join(assemblyDir, 'manifest.json'), 'utf8')) as {
    artifacts?: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const found: FunctionAsset[] = [];
  for (const artifact of Object.values(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
    const template = JSON.parse(readFileSync(join(assemblyDir, artifact.properties.templateFile), 'utf8')) as Template;
    for (const resource of Object.values(template.Resources ?? {})) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const props = resource.Properties ?? {};
      const variables = (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      if (!('TOKEN_TABLE_NAME' in variables && 'CREDENTIALS_SECRET_ID' in variables)) continue;
      found.push(describe(assemblyDir, props, variables, resource.Metadata ?? {}));
    }
  }
  if (found.length !== 1) {
    throw new Error(`Expected one token function (with TOKEN_TABLE_NAME and CREDENTIALS_SECRET_ID) in ${assemblyDir}, found ${found.length}.`);
  }
  return found[0] as FunctionAsset;
}

function describe(assemblyDir: string, props: Record<string, unknown>, variables: Record<string, unknown>, metadata: Record<string, unknown>): FunctionAsset {
  const cdkPath = typeof metadata['aws:cdk:path'] === 'string' ? metadata['aws:cdk:path'] : 'the token function';
  const assetPath = metadata['aws:asset:path'];
  if (typeof assetPath !== 'string') throw new Error(`${cdkPath} has no aws:asset:path metadata: is its code an asset?`);
  const dir = join(assemblyDir, assetPath);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`The asset of ${cdkPath} is not a directory (${dir}); the runtime tier runs directory assets.`);
  }
  const environment: Record<string, string> = {};
  const referencedVariables: string[] = [];
  for (const [name, value] of Object.entries(variables)) {
    if (typeof value === 'string') environment[name] = value;
    else referencedVariables.push(name);
  }
  const runtime = String(props.Runtime);
  if (runtime !== 'nodejs24.x') throw new Error(`${cdkPath} runs on ${runtime}; the runtime tier runs Node.js 24 (nodejs24.x): update the toolchain.`);
  return {
    dir,
    handler: String(props.Handler),
    runtime,
    timeoutSeconds: Number(props.Timeout ?? 3),
    memorySize: Number(props.MemorySize ?? 128),
    environment,
    referencedVariables,
    cdkPath,
  };
}
