/**
 * The cold-start scenario (`npm run bench -- cold`): what a new container costs a caller, measured
 * the way Lambda starts one. Each candidate (the deployable bundle, an empty handler, and with
 * `variants` other builds of the same source) is started by the real Runtime Interface Client on
 * Node.js 24 (the runtime tier's toolchain and emulator), asked for one event, and stopped; the
 * candidates take turns within every repetition, so that whatever else loads the machine at that
 * moment weighs on all of them alike.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { createTokenTable, localDynamoDbClient, startDynamoDbLocal } from '../test/support/dynamodb-local';
import type { FunctionAsset } from '../test/support/runtime/function-asset';
import { LambdaContainer } from '../test/support/runtime/lambda-container';
import { SecretsManagerStandIn } from '../test/support/secrets-manager-stand-in';
import { WllStandIn } from '../test/support/wll-stand-in';
import { roundOrders } from './round-order';

/** Something to cold-start: an asset, and the source its first answer must come from (none: any answer). */
export interface Candidate {
  readonly name: string;
  readonly asset: FunctionAsset;
  readonly expectedSource?: string;
}

/** One cold start: wall-clock times as Lambda reports them, and the process's own CPU time. */
export interface ColdStartSample {
  /** Process start to its first request for an event (Lambda's Init Duration), ms. */
  readonly initMs: number;
  /** The first event handed over to its answer (Lambda's Duration), ms. */
  readonly firstMs: number;
  /** CPU time of the process (all its threads) during init, ms. */
  readonly initCpuMs: number;
  /** CPU time during the first invocation, ms. */
  readonly firstCpuMs: number;
  /** Time the process was ready to run during init but waited for a CPU (the machine's load), ms. */
  readonly initWaitMs: number;
}

/** The services the function's first invocation reaches: DynamoDB Local, Secrets Manager and WLL stand-ins. */
export interface ColdStartStand {
  /** The function's environment (CONTRACT section 1 and the AWS endpoints). */
  readonly environment: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

export async function startColdStartStand(): Promise<ColdStartStand> {
  const dynamodb = await startDynamoDbLocal();
  const client = { clientId: `cold-${randomUUID().slice(0, 8)}`, clientSecret: randomBytes(24).toString('base64url'), audiences: ['wlloyalty.net'] };
  const wll = await WllStandIn.start({ clients: [client] });
  const secrets = await SecretsManagerStandIn.start();
  secrets.putSecretString('wll/cold-start', JSON.stringify({ client_id: client.clientId, client_secret: client.clientSecret }));
  const tables = localDynamoDbClient(dynamodb.endpoint);
  const tableName = `cold-start-${randomUUID()}`;
  await createTokenTable(tables, tableName);
  tables.destroy();
  return {
    environment: {
      CREDENTIALS_SECRET_ID: 'wll/cold-start',
      TOKEN_TABLE_NAME: tableName,
      WLL_TOKEN_URL: wll.url,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    },
    async close() {
      await Promise.all([wll.close(), secrets.close(), dynamodb.stop()]);
    },
  };
}

/**
 * Starts a container of `candidate`, waits for its init, invokes it once with `{}` and stops it.
 * The emulator freezes the process as soon as it waits for an event, so its CPU time is read
 * at rest, once after init and once after the first invocation.
 */
export async function coldStart(candidate: Candidate, environment: Readonly<Record<string, string>>): Promise<ColdStartSample> {
  const container = await LambdaContainer.start({ asset: candidate.asset, environment, label: candidate.name });
  try {
    const initMs = await container.init();
    const afterInit = await processTimes(container);
    const result = await container.invoke({});
    if (!result.ok) throw new Error(`${candidate.name}: the first invocation failed: ${result.errorType}: ${result.errorMessage.slice(0, 300)}`);
    const source = (result.result as { source?: unknown } | null)?.source;
    if (candidate.expectedSource !== undefined && source !== candidate.expectedSource) {
      throw new Error(`${candidate.name}: the first invocation answered from ${String(source)}, not ${candidate.expectedSource}: the scenario measures another path.`);
    }
    const afterFirst = await processTimes(container);
    return {
      initMs,
      firstMs: result.durationMs,
      initCpuMs: afterInit.cpuMs,
      firstCpuMs: afterFirst.cpuMs - afterInit.cpuMs,
      initWaitMs: afterInit.waitMs,
    };
  } finally {
    await container.stop();
  }
}

/**
 * Runs `repetitions` rounds in which every candidate cold-starts once, in an order shuffled anew
 * each round (from a fixed seed, so that a run can be repeated): no candidate always runs first
 * after the machine was idle, nor always right after the same neighbour.
 */
export async function interleaved(
  candidates: readonly Candidate[],
  environment: Readonly<Record<string, string>>,
  repetitions: number,
  onRound: (round: number) => void = () => undefined,
): Promise<Map<string, ColdStartSample[]>> {
  const samples = new Map(candidates.map((candidate) => [candidate.name, [] as ColdStartSample[]]));
  const order = roundOrders(candidates.length);
  for (let round = 0; round < repetitions; round += 1) {
    for (const index of order()) {
      const candidate = candidates[index]!;
      samples.get(candidate.name)!.push(await coldStart(candidate, environment));
    }
    onRound(round + 1);
  }
  return samples;
}

/** CPU time and run-queue wait of every thread of the frozen runtime (Linux schedstat: ns on CPU, ns waiting). */
async function processTimes(container: LambdaContainer): Promise<{ cpuMs: number; waitMs: number }> {
  const giveUpAt = Date.now() + 5_000;
  while (!container.frozen) {
    if (Date.now() > giveUpAt) throw new Error(`${container.label} did not wait for its next event within 5 s.`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const pid = container.pid;
  if (pid === undefined) throw new Error(`${container.label} has no process.`);
  let cpuNs = 0;
  let waitNs = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const [onCpu, waiting] = readFileSync(path.join(`/proc/${pid}/task`, task, 'schedstat'), 'utf8').split(' ').map(Number);
    cpuNs += onCpu ?? 0;
    waitNs += waiting ?? 0;
  }
  return { cpuMs: cpuNs / 1e6, waitMs: waitNs / 1e6 };
}
