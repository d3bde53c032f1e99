/**
 * One simulated run from a deployment and a list of steps, and the fast-check property over
 * all of them. The process is prepared once: the AWS SDK gets a fixed environment (no shared
 * config files, dummy credentials), its one-time real I/O happens before virtual time starts,
 * and then virtual time is installed for good.
 */
import fc from 'fast-check';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { HttpResponse } from '@smithy/core/transport';
import { installVirtualTime, resetVirtualTime } from './environment/virtual-time';
import { INVARIANTS } from './invariants/all';
import type { Invariant } from './invariants/invariant';
import type { Violation } from './invariants/violation';
import { simConfigArbitrary, type SimConfig } from './scenario/config';
import { stepsArbitrary } from './scenario/commands';
import { stopOrThrow, type SimModel } from './scenario/step';
import type { RunPolicy } from './invariants/violation';
import { calmAndProbe } from './world/calm';
import { startTraffic } from './world/traffic';
import { World } from './world/world';

/** The AWS environment of a simulated container: the same on every machine, whatever the developer's own AWS setup. */
const AWS_ENVIRONMENT: Record<string, string | undefined> = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIASIMULATION00000',
  AWS_SECRET_ACCESS_KEY: 'simulation-only',
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_CONFIG_FILE: '/nonexistent/wll-token-vendor-sim/config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/wll-token-vendor-sim/credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_MAX_ATTEMPTS: undefined,
  AWS_RETRY_MODE: undefined,
  AWS_ENDPOINT_URL: undefined,
  AWS_ENDPOINT_URL_DYNAMODB: undefined,
  AWS_ENDPOINT_URL_SECRETS_MANAGER: undefined,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

let prepared = false;

/** Prepares this process for simulation (once). */
export async function prepareSimulation(): Promise<void> {
  if (prepared) return;
  prepared = true;
  for (const [name, value] of Object.entries(AWS_ENVIRONMENT)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  // One call per client kind, on real time, so the SDK's shared-config reads are done and cached.
  const answer = (body: string) => ({
    handle: () => Promise.resolve({ response: new HttpResponse({ statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: Buffer.from(body) }) }),
  });
  await new DynamoDBClient({ requestHandler: answer('{}') }).send(new GetItemCommand({ TableName: 'warm-up', Key: { pk: { S: 'x' } } }));
  await new SecretsManagerClient({ requestHandler: answer('{"SecretString":"{}"}') }).send(new GetSecretValueCommand({ SecretId: 'warm-up' }));
  installVirtualTime();
}

export interface RunResult {
  readonly world: World;
  readonly violation?: Violation;
  /** A known open defect stopped the run (reported, not failed). */
  readonly finding?: Violation;
}

/** Runs one scenario to its end: the steps, the calm, the probes, the final checks. Throws the first violation. */
export async function runScenario(
  config: SimConfig,
  steps: Iterable<fc.AsyncCommand<SimModel, World>>,
  policy: RunPolicy,
  invariants = INVARIANTS,
  onWorld: (world: World) => void = () => undefined,
): Promise<World> {
  resetVirtualTime(config.seed);
  const world = new World(config, invariants, policy);
  onWorld(world);
  startTraffic(world);
  const model: SimModel = { stopped: false, faults: config.faults };
  await fc.asyncModelRun(() => ({ model, real: world }), steps);
  if (model.stopped) return world;
  await calmAndProbe(world);
  stopOrThrow(model, world);
  if (model.stopped) return world;
  world.step += 1;
  world.checkEach((invariant) => invariant.atEnd?.(world));
  stopOrThrow(model, world);
  return world;
}

/**
 * The property fast-check checks: every run of every deployment keeps every invariant. After
 * the first failure, shrinking gets `shrinkMs` of real time: later candidates then pass without
 * running, which ends the search with the smallest failure found so far. (fast-check's own
 * interruption would leave the interrupted run going on the shared virtual clock.)
 */
export function simulationProperty(
  options: { readonly maxCommands: number; readonly replayPath?: string; readonly invariants?: readonly Invariant[]; readonly shrinkMs?: number },
  policy: RunPolicy,
  onRun: (world: World) => void = () => undefined,
) {
  let shrinkUntil = Infinity;
  const scenario = simConfigArbitrary.chain((config) => fc.tuple(fc.constant(config), stepsArbitrary(config.weights, options.maxCommands, options.replayPath)));
  return fc.asyncProperty(scenario, async ([config, steps]) => {
    if (performance.now() > shrinkUntil) return;
    try {
      onRun(await runScenario(config, steps, policy, options.invariants));
    } catch (error) {
      if (shrinkUntil === Infinity && options.shrinkMs !== undefined) shrinkUntil = performance.now() + options.shrinkMs;
      throw error;
    }
  });
}
