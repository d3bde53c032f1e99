import { rmSync } from 'node:fs';
import { startDynamoDbLocal, type DynamoDbLocal } from '../dynamodb-local';
import { locateTokenFunction, synthesizeApp } from './function-asset';
import { runtimeToolchain } from './toolchain';

/**
 * Jest global setup of the runtime tier, once per run: checks the toolchain, synthesizes
 * the CDK app and finds the token function's asset in the cloud assembly, and starts one
 * DynamoDB Local for all test files. Set RUNTIME_TIER_ASSEMBLY to an existing cloud
 * assembly (e.g. cdk.out) to skip the synth while iterating on tests.
 */
export default function setup(): Promise<void> {
  return (async () => {
    const toolchain = runtimeToolchain();
    const reuse = process.env.RUNTIME_TIER_ASSEMBLY;
    const assembly = reuse ?? synthesizeApp();
    const asset = locateTokenFunction(assembly);
    const dynamoDbLocal = await startDynamoDbLocal();
    const state = globalThis as { __runtimeTier?: { dynamoDbLocal: DynamoDbLocal; assembly?: string } };
    state.__runtimeTier = { dynamoDbLocal, assembly: reuse ? undefined : assembly };
    // Workers start after this and inherit these.
    process.env.TEST_DYNAMODB_ENDPOINT = dynamoDbLocal.endpoint;
    process.env.RUNTIME_TIER_ASSET = JSON.stringify(asset);
    process.stdout.write(
      `\nruntime tier: ${asset.cdkPath} (${asset.runtime}, ${asset.handler}, timeout ${asset.timeoutSeconds} s) ` +
        `on Node ${toolchain.nodeVersion} with aws-lambda-ric ${toolchain.ricVersion}\n`,
    );
  })();
}

/** Removes what the setup made. */
export async function teardownRuntimeTier(): Promise<void> {
  const state = (globalThis as { __runtimeTier?: { dynamoDbLocal: DynamoDbLocal; assembly?: string } }).__runtimeTier;
  await state?.dynamoDbLocal.stop();
  if (state?.assembly) rmSync(state.assembly, { recursive: true, force: true });
}
