import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The token function's code, built one way everywhere: `npm run build` (the bundle shipped in
 * the package), `cdk synth` in a checkout, the benchmark and the runtime tests all call
 * {@link bundleFunction}, so what they run is what is deployed.
 *
 * - An installed package carries the prebuilt, tested bundle in `dist/function/`: the construct
 *   deploys it as it is, so a CDK app needs neither esbuild nor the function's dependencies.
 * - A checkout (where `lambda/handler.ts` exists) bundles from source at synth time, so a local
 *   change is never shadowed by a stale bundle. That needs esbuild (a devDependency); there is no
 *   Docker fallback.
 *
 * The deployed asset holds `index.js` only. The source map (without the TypeScript sources) stays
 * next to the build, in `dist/function/index.js.map`, to decode stack traces from the logs
 * (`npx wll-token-trace`); shipping it with `--enable-source-maps` would cost every container's
 * first failing invocation the parsing of the map, and hand build paths to every invoker.
 */

/**
 * The esbuild options of the function bundle. The Lambda runtime is Node.js 24 (x86_64 or arm64:
 * plain JavaScript). Every choice below is measured by the benchmark's cold-start scenario
 * (docs/benchmark.md#cold-start).
 */
export const FUNCTION_BUNDLE_OPTIONS = Object.freeze({
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node24',
  minify: true,
  // The packages' ES-module builds rather than their CommonJS ones: esbuild can leave out what the
  // function never reaches (the SDK's HTTP/2 handler, browser-only modules), which a CommonJS
  // build keeps whole. A third less code to compile at every cold start.
  mainFields: ['module', 'main'] as string[],
  // The output stays CommonJS, where a dynamic import() builds an ES-module wrapper around what it
  // loads, on the first call (the SDK's `await import("node:http")`): a require() costs nothing.
  supported: { 'dynamic-import': false },
  // The AWS SDK, Powertools and everything else go inside: the function runs the versions it was
  // tested with, whatever the runtime ships.
  external: [] as string[],
  sourcemap: 'external',
  sourcesContent: false,
  logLevel: 'warning',
} as const);

/**
 * The bundle's size limit, in bytes: a test fails when the bundle outgrows it
 * (test/infra/function-code.test.ts). Size does not vary from run to run as times do, and what
 * makes a cold start slower (a package's CommonJS build, a chain of credential providers, a new
 * dependency) makes the bundle larger first.
 */
export const FUNCTION_BUNDLE_BUDGET_BYTES = 330_000;

/**
 * Module substitutions of the bundle: the SDK clients import their default credential chain
 * from `@aws-sdk/credential-provider-node`, which the function replaces with its execution
 * role's credentials (lambda/credentials/execution-role.ts).
 */
export function functionBundleAliases(entry: string): Record<string, string> {
  // Absolute: esbuild resolves a bare relative path in an alias as a package name.
  return { '@aws-sdk/credential-provider-node': path.resolve(path.dirname(entry), 'credentials', 'execution-role.ts') };
}

/** The files of a function bundle: `index.js` (handler `index.handler`) and its source map. */
export interface FunctionBundle {
  readonly file: string;
  readonly map: string;
}

/** Where this package lives: the folder of its package.json (from `infra/` in a checkout, `dist/infra/` once built). */
export function packageRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'wll-token-vendor') return dir;
    if (path.dirname(dir) === dir) throw new Error(`The wll-token-vendor package.json was not found above ${from}: reinstall the package.`);
  }
}

/** The handler's source in a checkout; undefined in an installed package, which ships the bundle instead. */
export function handlerSource(root: string = packageRoot()): string | undefined {
  const source = path.join(root, 'lambda', 'handler.ts');
  return existsSync(source) ? source : undefined;
}

/** The folder of the bundle, `dist/function/`, in the package or the checkout. */
export function functionBuildDir(root: string = packageRoot()): string {
  return path.join(root, 'dist', 'function');
}

/** The part of esbuild used here (declared here so that the package's types never need esbuild's). */
interface Esbuild {
  buildSync(options: Record<string, unknown>): { outputFiles?: ReadonlyArray<{ readonly path: string; readonly contents: Uint8Array }> };
}

export interface BundleFunctionOptions {
  /** The handler source. @default lambda/handler.ts of this checkout */
  readonly entry?: string;
}

/**
 * Bundles the handler into `outdir/index.js` and `outdir/index.js.map` with
 * {@link FUNCTION_BUNDLE_OPTIONS}. Each file is written under a temporary name and renamed, so
 * concurrent builds (parallel test workers) never leave a half-written bundle.
 */
export function bundleFunction(outdir: string, options: BundleFunctionOptions = {}): FunctionBundle {
  const entry = options.entry ?? handlerSource();
  if (entry === undefined) {
    throw new Error('lambda/handler.ts is not here: the function can only be bundled from a checkout of wll-token-vendor.');
  }
  const esbuild = loadEsbuild(packageRoot(path.dirname(entry)));
  const file = path.join(outdir, 'index.js');
  const result = esbuild.buildSync({ ...FUNCTION_BUNDLE_OPTIONS, alias: functionBundleAliases(entry), entryPoints: [entry], outfile: file, write: false });
  mkdirSync(outdir, { recursive: true });
  for (const output of result.outputFiles ?? []) {
    const temporary = `${output.path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(temporary, output.contents);
    renameSync(temporary, output.path);
  }
  return { file, map: `${file}.map` };
}

function loadEsbuild(root: string): Esbuild {
  try {
    return createRequire(path.join(root, 'package.json'))('esbuild') as Esbuild;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    throw new Error(
      `esbuild is not installed: ${root} is a checkout of wll-token-vendor, where the token function is bundled from ` +
        'source with esbuild (never with Docker). Run `npm ci` there (esbuild is a devDependency).',
      { cause: error },
    );
  }
}

export interface FunctionCodeOptions {
  /** The package root to take the code from. @default this package's */
  readonly packageRoot?: string;
}

/**
 * The function's `lambda.Code`: the prebuilt bundle of an installed package, or, in a checkout,
 * a bundle of the current source made at synth time (skipped, like any bundling, for stacks
 * excluded with `cdk synth --exclusively` or the `aws:cdk:bundling-stacks` context).
 */
export function functionCode(options: FunctionCodeOptions = {}): lambda.Code {
  const root = options.packageRoot ?? packageRoot();
  const source = handlerSource(root);
  const buildDir = functionBuildDir(root);
  if (source === undefined) {
    if (!existsSync(path.join(buildDir, 'index.js'))) {
      throw new Error(`The token function's bundle ${path.join(buildDir, 'index.js')} is missing: reinstall the wll-token-vendor package.`);
    }
    return lambda.Code.fromAsset(buildDir, { exclude: ['*.map'] });
  }
  return lambda.Code.fromAsset(path.dirname(source), {
    // The bundle, not the sources, decides the asset's identity: an unchanged bundle is not redeployed.
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the type, never used: local bundling either succeeds or throws.
      image: DockerImage.fromRegistry('wll-token-vendor-bundles-with-local-esbuild-only'),
      local: {
        tryBundle(outputDir: string): boolean {
          // Built where `npm run build` puts it, so the source map of what was deployed last is kept there.
          const bundle = bundleFunction(buildDir, { entry: source });
          rmSync(path.join(outputDir, 'index.js'), { force: true });
          copyFileSync(bundle.file, path.join(outputDir, 'index.js'));
          return true;
        },
      },
    },
  });
}
