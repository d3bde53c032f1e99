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
  process.stderr.write('wll-token: the CLI is not built: run `npm run build`, or install tsx to run it from source.\n');
  process.exit(1);
}

loadCli().main(process.argv.slice(2));
