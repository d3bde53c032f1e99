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
    // Not quoted: a stray argument may be anything pasted from a log.
    else return fail(`unexpected argument ${i + 1}.\n${USAGE}`, 2);
  }
  if (!existsSync(mapFile)) {
    return fail(`no source map at ${mapFile}: run \`npm run build\` (or synth) in the checkout that built the deployed code, or pass --map.`, 1);
  }
  const map = readMap(mapFile);
  if (!map) return;
  let trace;
  try {
    trace = readFileSync(input ?? 0, 'utf8');
  } catch (error) {
    return fail(`cannot read ${input === undefined ? 'the trace from stdin' : `the trace file ${input}`}: ${reason(error)}.`, 1);
  }
  process.stdout.write(decode(trace, map, dirname(mapFile)));
}

/** The source map, or undefined after saying in one line why it cannot be used. */
function readMap(mapFile) {
  try {
    const payload = JSON.parse(readFileSync(mapFile, 'utf8'));
    if (typeof payload !== 'object' || payload === null || typeof payload.mappings !== 'string' || !Array.isArray(payload.sources)) {
      throw new Error('no mappings or sources');
    }
    return new SourceMap(payload);
  } catch (error) {
    const why = error && error.code ? reason(error) : error instanceof SyntaxError ? 'not JSON' : 'no mappings or sources';
    fail(`${mapFile} is not a source map (${why}): pass the index.js.map built with the deployed code.`, 1);
    return undefined;
  }
}

function reason(error) {
  if (error && error.code === 'ENOENT') return 'no such file (ENOENT)';
  if (error && error.code === 'EACCES') return 'permission denied (EACCES)';
  if (error && error.code === 'EISDIR') return 'it is a directory (EISDIR)';
  return error && error.code ? String(error.code) : 'unreadable';
}

/**
 * Replaces each position in the function's own bundle (1-based `<line>:<column>`, as V8 prints
 * them): `/var/task/index.js` (or `.mjs`), where Lambda runs the deployed asset, or the bundle next
 * to the map. A layer's `/opt/.../index.js`, a dependency's or any other file is left as it is:
 * the map knows nothing of them, and a position it decodes there would be a wrong answer.
 */
function decode(trace, map, mapDir) {
  const local = escapeRegExp(join(mapDir, 'index.js').split(sep).join('/'));
  const bundle = new RegExp(`(?<=^|[\\s(@])(?:file://)?(?:/var/task/index\\.m?js|${local}):(\\d+):(\\d+)(?=$|[\\s)])`, 'gm');
  return trace.replace(bundle, (position, line, column) => {
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1);
    if (!entry || entry.originalSource === undefined) return position;
    return `${shortName(entry.originalSource, mapDir)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
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

// A reader that stops early (`| head`) closes stdout: nothing more to say, and no stack trace.
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') fail(`cannot write the result: ${reason(error)}.`, 1);
});

main(process.argv.slice(2));
