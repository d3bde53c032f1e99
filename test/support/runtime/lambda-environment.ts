import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import type { FunctionAsset } from './function-asset';
import type { RuntimeToolchain } from './toolchain';

export interface EnvironmentSettings {
  readonly asset: FunctionAsset;
  readonly toolchain: RuntimeToolchain;
  /** `host:port` of the Runtime API. */
  readonly runtimeApi: string;
  readonly functionName: string;
  /** Above 1: Lambda Managed Instances (the RIC's multi-concurrent mode, one worker thread). */
  readonly maxConcurrency: number;
  /** The test's variables over the function's own; `undefined` removes one. */
  readonly overrides?: Readonly<Record<string, string | undefined>>;
}

/**
 * The environment a Lambda runtime process starts with: what Lambda itself sets (task
 * root, handler, Runtime API, function name, version, memory, log group, region, the
 * execution role's credentials), then the function's own variables from the template,
 * then the test's. Nothing of the test process's own environment leaks in.
 */
export function lambdaEnvironment({ asset, toolchain, runtimeApi, functionName, maxConcurrency, overrides = {} }: EnvironmentSettings): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: `${dirname(toolchain.node)}:/usr/local/bin:/usr/bin:/bin`,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LAMBDA_TASK_ROOT: asset.dir,
    LAMBDA_RUNTIME_DIR: dirname(toolchain.ricEntry),
    NODE_PATH: asset.dir,
    _HANDLER: asset.handler,
    AWS_LAMBDA_RUNTIME_API: runtimeApi,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(asset.memorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `2026/01/01/[$LATEST]${randomBytes(16).toString('hex')}`,
    AWS_LAMBDA_INITIALIZATION_TYPE: maxConcurrency > 1 ? 'lambda-managed-instances' : 'on-demand',
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    // The execution role's temporary credentials, as Lambda sets them (dummies: only loopback is reached).
    AWS_ACCESS_KEY_ID: 'ASIARUNTIMETIERLOCAL',
    AWS_SECRET_ACCESS_KEY: 'runtimeTierLocalSecretAccessKey',
    AWS_SESSION_TOKEN: 'runtimeTierLocalSessionToken',
    // Nothing of this machine's AWS configuration reaches the function.
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...asset.environment,
  };
  if (maxConcurrency > 1) {
    env.AWS_LAMBDA_MAX_CONCURRENCY = String(maxConcurrency);
    env.AWS_LAMBDA_NODEJS_WORKER_COUNT = '1';
  }
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}
