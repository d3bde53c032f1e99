/**
 * Builds the package into dist/ (`npm run build`; also `prepare`, so that a git install and
 * `npm pack` in a fresh clone produce a complete package):
 *
 * - dist/client, dist/infra (and the few dist/lambda modules infra reads its defaults from):
 *   CommonJS and declarations, by tsc (tsconfig.build.json);
 * - dist/client/*.mjs and *.d.mts: the clients as ES modules, one file per source file, so that
 *   an ESM consumer's bundler keeps the AWS SDK as a real import (a CommonJS `require` of an
 *   external package fails in an ESM bundle) and can drop what it does not use;
 * - dist/function: the token function's bundle and its source map (infra/function-code.ts).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { bundleFunction, functionBuildDir } from '../infra/function-code';

const ROOT = path.join(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const CLIENT_SOURCES = path.join(ROOT, 'client');
const CLIENT_OUT = path.join(DIST, 'client');
/** The CLI is run by bin/wll-token.js through CommonJS only. */
const CJS_ONLY = new Set(['cli']);

/** Keeps every import as an import: relative ones pointing at the sibling .mjs file, packages external. */
const oneFilePerModule: Plugin = {
  name: 'one-file-per-module',
  setup(builder) {
    builder.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      if (!args.path.startsWith('.')) return { path: args.path, external: true };
      const target = path.resolve(args.resolveDir, args.path);
      if (path.dirname(target) !== CLIENT_SOURCES) {
        return { errors: [{ text: `client modules may only import each other: ${args.importer} imports ${args.path}` }] };
      }
      return { path: `./${path.basename(target)}.mjs`, external: true };
    });
  },
};

/** A declaration file as an ES module's: relative specifiers name the .mjs files. */
function esmDeclaration(text: string, file: string): string {
  return text.replace(/(from\s+|import\()(['"])(\.[^'"]+)\2/g, (_match, keyword: string, quote: string, specifier: string) => {
    if (!specifier.startsWith('./') || specifier.slice(2).includes('/')) {
      throw new Error(`${file} refers to ${specifier}, outside the client: its ESM declaration cannot point there.`);
    }
    return `${keyword}${quote}${specifier}.mjs${quote}`;
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  rmSync(DIST, { recursive: true, force: true });

  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });

  const modules = readdirSync(CLIENT_SOURCES)
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .map((name) => name.slice(0, -'.ts'.length))
    .filter((name) => !CJS_ONLY.has(name));
  await build({
    entryPoints: modules.map((name) => path.join(CLIENT_SOURCES, `${name}.ts`)),
    outdir: CLIENT_OUT,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    plugins: [oneFilePerModule],
    logLevel: 'warning',
  });
  for (const name of modules) {
    const declaration = path.join(CLIENT_OUT, `${name}.d.ts`);
    writeFileSync(path.join(CLIENT_OUT, `${name}.d.mts`), esmDeclaration(readFileSync(declaration, 'utf8'), declaration));
  }

  const bundle = bundleFunction(functionBuildDir(ROOT));
  process.stderr.write(`Built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s (function: ${path.relative(ROOT, bundle.file)}).\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
