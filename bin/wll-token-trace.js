#!/usr/bin/env node
'use strict';
// `wll-token-trace`: turns the positions in a stack trace of the deployed token function
// (`/var/task/index.js:1:23456`, minified) back into TypeScript source positions
// (`lambda/handler.ts:41:11`), with the source map kept next to the build in dist/function/.
// The deployed asset carries no source map on purpose (see infra/function-code.ts).
//
//   npx wll-token-trace < trace.txt
//   npx wll-token-trace --map path/to/index.js.map trace.txt

const { existsSync, readFileSync } = require('node:fs');
const { SourceMap } = require('node:module');
const { dirname, isAbsolute, join, relative, resolve, sep } = require('node:path');
const { fileURLToPath } = require('node:url');

const USAGE = 'Usage: wll-token-trace [--map <index.js.map>] [file]   (reads the trace from stdin without a file)\n';

function main(args) {
  let mapFile = join(__dirname, '..', 'dist', 'function', 'index.js.map');
  let input;
  for (let i = 0; i < args.length; i += 1) {
    if (args[i] === '-h' || args[i] === '--help') return void process.stdout.write(USAGE);
    if (args[i] === '--map' && args[i + 1] !== undefined) mapFile = args[++i];
    else if (input === undefined && !args[i].startsWith('-')) input = args[i];
    else return fail(`unexpected argument '${args[i]}'.\n${USAGE}`, 2);
  }
  if (!existsSync(mapFile)) {
    return fail(`no source map at ${mapFile}: run \`npm run build\` (or synth) in the checkout that built the deployed code, or pass --map.`, 1);
  }
  const map = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')));
  const trace = readFileSync(input ?? 0, 'utf8');
  process.stdout.write(decode(trace, map, dirname(mapFile)));
}

/** Replaces each `index.js:<line>:<column>` (1-based, as V8 prints them) with the original position. */
function decode(trace, map, mapDir) {
  return trace.replace(/(?:[^\s()"]*\/)?index\.js:(\d+):(\d+)/g, (position, line, column) => {
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1);
    if (!entry || entry.originalSource === undefined) return position;
    return `${shortName(entry.originalSource, mapDir)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}

/** `lambda/config/load-config.ts` for this package's sources, `node_modules/...` for a dependency's. */
function shortName(source, mapDir) {
  const file = source.startsWith('file://') ? fileURLToPath(source) : isAbsolute(source) ? source : resolve(mapDir, source);
  const inPackage = relative(join(__dirname, '..'), file);
  if (!inPackage.startsWith('..')) return inPackage;
  const dependency = file.lastIndexOf(`${sep}node_modules${sep}`);
  return dependency >= 0 ? file.slice(dependency + 1) : file;
}

function fail(message, code) {
  process.stderr.write(`wll-token-trace: ${message}\n`);
  process.exitCode = code;
}

main(process.argv.slice(2));
