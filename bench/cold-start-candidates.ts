/**
 * What the cold-start scenario starts: the token function as `cdk synth` ships it, an empty
 * handler with the same settings (what the runtime costs by itself), and, on request, the same
 * source bundled other ways, so that each bundling choice is measured against its alternative
 * in one run.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { FUNCTION_BUNDLE_OPTIONS, functionBundleAliases, handlerSource } from '../infra/function-code';
import { locateTokenFunction, synthesizeApp, type FunctionAsset } from '../test/support/runtime/function-asset';
import type { Metafile } from './bundle-composition';
import type { Candidate } from './cold-start';

/** A candidate with what it ships: its bundle's size and, for bundles built here, esbuild's metafile. */
export interface BuiltCandidate extends Candidate {
  readonly description: string;
  readonly bundleBytes?: number;
  readonly metafile?: Metafile;
}

/** Another way to bundle the same source: esbuild options over the function's own. */
export interface BundleVariant {
  readonly name: string;
  readonly description: string;
  readonly options: Readonly<Record<string, unknown>>;
}

/** The alternatives to each choice of infra/function-code.ts, in the order they were made. */
export const BUNDLE_VARIANTS: readonly BundleVariant[] = [
  {
    name: 'commonjs-builds',
    description: "the options before issue 27: the packages' CommonJS builds, dynamic import() kept, the SDK's default credential chain",
    options: { mainFields: ['main', 'module'], supported: {}, alias: {} },
  },
  {
    name: 'esm-with-import',
    description: "ES-module builds, dynamic import() kept (an ES-module wrapper on the first call), the SDK's default credential chain",
    options: { supported: {}, alias: {} },
  },
  {
    name: 'esm-default-chain',
    description: "ES-module builds, import() as require(), the SDK's default credential chain bundled",
    options: { alias: {} },
  },
];

export const FUNCTION = 'function';
export const EMPTY = 'empty';

const BUILD_DIR = path.join(__dirname, '.build', 'cold-start');

/**
 * Synthesizes the app offline and returns the token function as deployed, with its metafile
 * (the deployed bundle is checked to be byte for byte the one esbuild describes), and the
 * empty handler beside it.
 */
export function deployedCandidates(): { readonly empty: BuiltCandidate; readonly fn: BuiltCandidate } {
  const assembly = synthesizeApp();
  const synthesized = locateTokenFunction(assembly);
  const shipped = readFileSync(path.join(synthesized.dir, 'index.js'));
  rmSync(assembly, { recursive: true, force: true });
  const built = bundle(FUNCTION, {});
  if (!shipped.equals(readFileSync(path.join(built.dir, 'index.js')))) {
    throw new Error('The synthesized bundle differs from the one built with the options of infra/function-code.ts: the benchmark would describe another bundle.');
  }
  // The same bytes, kept where the benchmark builds: the cloud assembly is not left behind.
  const deployed = { ...synthesized, dir: built.dir };
  const emptyDir = path.join(BUILD_DIR, EMPTY);
  mkdirSync(emptyDir, { recursive: true });
  writeFileSync(path.join(emptyDir, 'index.js'), 'exports.handler = async () => ({});\n');
  return {
    empty: { name: EMPTY, description: 'a handler that returns {} at once: the runtime by itself', asset: { ...deployed, dir: emptyDir } },
    fn: {
      name: FUNCTION,
      description: 'the token function as `cdk synth` ships it; its first invocation reads the secret and serves the token cached in DynamoDB',
      asset: deployed,
      expectedSource: 'cache',
      bundleBytes: shipped.length,
      metafile: built.metafile,
    },
  };
}

/** The variants, bundled from this checkout's source with the deployed function's settings. */
export function variantCandidates(deployed: FunctionAsset, variants: readonly BundleVariant[] = BUNDLE_VARIANTS): BuiltCandidate[] {
  return variants.map((variant) => {
    const built = bundle(variant.name, variant.options);
    return {
      name: variant.name,
      description: variant.description,
      asset: { ...deployed, dir: built.dir },
      expectedSource: 'cache',
      bundleBytes: built.bytes,
      metafile: built.metafile,
    };
  });
}

function bundle(name: string, options: Readonly<Record<string, unknown>>): { dir: string; bytes: number; metafile: Metafile } {
  const entry = handlerSource();
  if (entry === undefined) throw new Error('The cold-start scenario bundles lambda/handler.ts: run it in a checkout.');
  const dir = path.join(BUILD_DIR, name);
  const result = buildSync({
    ...FUNCTION_BUNDLE_OPTIONS,
    alias: functionBundleAliases(entry),
    ...options,
    entryPoints: [entry],
    outfile: path.join(dir, 'index.js'),
    write: false,
    metafile: true,
  });
  const code = result.outputFiles?.find((file) => file.path.endsWith('index.js'));
  if (!code || !result.metafile) throw new Error(`esbuild gave no index.js or metafile for ${name}.`);
  mkdirSync(dir, { recursive: true });
  // index.js alone, as in the deployed asset.
  writeFileSync(path.join(dir, 'index.js'), code.contents);
  return { dir, bytes: code.contents.length, metafile: result.metafile };
}
