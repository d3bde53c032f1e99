import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { bundleFunction, type FunctionBundle } from '../../infra/function-code';
import { REPO_ROOT } from '../support/processes';

/**
 * `wll-token-trace`: the deployed function carries no source map, so a stack trace from its logs
 * names positions in the minified index.js; the map kept next to the build turns them back into
 * TypeScript positions.
 */
let scratch: string;
let bundle: FunctionBundle;

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'wll-trace-'));
  bundle = bundleFunction(scratch);
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function trace(input: string, args: string[] = ['--map', bundle.map]) {
  return spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'wll-token-trace.js'), ...args], { input, encoding: 'utf8' });
}

/** Where `text` first occurs in the bundle, as V8 prints positions: 1-based line and column. */
function positionOf(text: string): { line: number; column: number } {
  const code = readFileSync(bundle.file, 'utf8');
  const offset = code.indexOf(text);
  if (offset < 0) throw new Error(`'${text}' is not in the bundle`);
  const before = code.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

test('turns positions in the deployed index.js into TypeScript source positions', () => {
  // A name the function reads from its environment (CONTRACT section 1): it survives minification.
  const { line, column } = positionOf('"CREDENTIALS_SECRET_ID"');
  const logged = `ConfigurationError: CREDENTIALS_SECRET_ID is not set\n    at Xe (/var/task/index.js:${line}:${column})\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)\n`;

  const result = trace(logged);

  expect(result.status).toBe(0);
  const lines = result.stdout.split('\n');
  expect(lines[0]).toBe('ConfigurationError: CREDENTIALS_SECRET_ID is not set');
  expect(lines[1]).toMatch(/^ {4}at Xe \(lambda\/([a-z-]+\/)?[a-z-]+\.ts:\d+:\d+\)$/);
  expect(lines[2]).toBe('    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)');
});

test('the map it decodes with has no TypeScript sources in it', () => {
  const map = JSON.parse(readFileSync(bundle.map, 'utf8')) as { sourcesContent?: unknown; sources: string[] };

  expect(map.sourcesContent).toBeUndefined();
  expect(map.sources.some((source) => source.endsWith('lambda/handler.ts'))).toBe(true);
});

test('without a map, it says where it looked and how to get one', () => {
  const result = trace('at x (/var/task/index.js:1:1)\n', ['--map', path.join(scratch, 'missing.map')]);

  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/^wll-token-trace: no source map at .*missing\.map: run `npm run build` \(or synth\) in the checkout that built the deployed code, or pass --map\.\n$/);
});

test("only the function's own bundle is rewritten: a layer's index.js and another file named like it stay as they are", () => {
  const { line, column } = positionOf('"CREDENTIALS_SECRET_ID"');
  const others = [
    `    at a (/opt/nodejs/node_modules/some-layer/index.js:${line}:${column})`,
    `    at b (/var/task/myindex.js:${line}:${column})`,
    `    at c (/var/task/node_modules/dep/index.js:${line}:${column})`,
  ];
  const ours = `    at d (/var/task/index.js:${line}:${column})`;

  const result = trace([...others, ours, ''].join('\n'));

  expect(result.status).toBe(0);
  const lines = result.stdout.split('\n');
  expect(lines.slice(0, 3)).toEqual(others);
  expect(lines[3]).toMatch(/^ {4}at d \(lambda\/([a-z-]+\/)?[a-z-]+\.ts:\d+:\d+\)$/);
});

test('a trace file that cannot be read is one clear line, exit 1', () => {
  const missing = path.join(scratch, 'no-such-trace.txt');

  const result = trace('', ['--map', bundle.map, missing]);

  expect(result.status).toBe(1);
  expect(result.stderr).toBe(`wll-token-trace: cannot read the trace file ${missing}: no such file (ENOENT).\n`);
});

test.each([
  ['not JSON', 'this is not a source map'],
  ['JSON that is not a source map', '{"hello":"world"}'],
])('a map that is %s is one clear line, exit 1', (_what, content) => {
  const bad = path.join(scratch, `bad-${_what.length}.map`);
  writeFileSync(bad, content);

  const result = trace('at x (/var/task/index.js:1:1)\n', ['--map', bad]);

  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/^wll-token-trace: .*bad-\d+\.map is not a source map .*: pass the index\.js\.map built with the deployed code\.\n$/);
});
