#!/usr/bin/env node
'use strict';
// The `wll-token` command. In a checkout of the repository it runs the TypeScript
// source through tsx, so `npx wll-token` works without a build and never runs a stale
// one; in an installed package (no tsx) it runs the build in dist/.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { existsSync } = require('node:fs');
const { join } = require('node:path');

function loadCli() {
  const source = join(__dirname, '..', 'client', 'cli.ts');
  if (existsSync(source)) {
    let tsx;
    try {
      tsx = require('tsx/cjs/api');
    } catch {
      tsx = undefined;
    }
    if (tsx) return tsx.require(source, __filename);
  }
  const built = join(__dirname, '..', 'dist', 'client', 'cli.js');
  if (existsSync(built)) return require(built);
  // A checkout without its devDependencies, or an installed package without its build.
  process.stderr.write(
    existsSync(source)
      ? 'wll-token: this checkout has neither tsx nor a build: run `npm ci` (or `npm run build`) in it.\n'
      : `wll-token: ${built} is missing: the wll-token-vendor package is incomplete; reinstall it.\n`,
  );
  process.exit(1);
}

loadCli().main(process.argv.slice(2));
