import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startStandIns } from '../harness';
import type { SecretsManagerStandIn } from '../secrets-manager-stand-in';
import { leakedIn } from '../sensitive-values';
import type { StandInClient, WllStandIn } from '../wll-stand-in';
import { FaultProxy } from './fault-proxy';
import type { FunctionAsset } from './function-asset';
import { LambdaContainer, type InvocationResult, type LambdaContainerOptions } from './lambda-container';

/**
 * Everything a runtime-tier scenario runs against: DynamoDB Local (started once by the
 * global setup) with a fresh table, the WLL and Secrets Manager stand-ins, a fault proxy
 * in front of DynamoDB and one in front of Secrets Manager, and the function's
 * environment pointing at them. Containers started through it are stopped by `close`,
 * which also fails if any container printed a client secret or a token.
 */
export interface RuntimeStand {
  readonly asset: FunctionAsset;
  readonly wll: WllStandIn;
  readonly secrets: SecretsManagerStandIn;
  /** Between the function and DynamoDB Local. */
  readonly dynamoDbProxy: FaultProxy;
  /** Between the function and the Secrets Manager stand-in. */
  readonly secretsProxy: FaultProxy;
  /** DynamoDB Local directly, bypassing the proxy. */
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly secretName: string;
  readonly client: StandInClient;
  /** The function's environment (CONTRACT section 1 and the AWS endpoints). */
  readonly env: Readonly<Record<string, string>>;
  /** Starts a container with the stand's environment plus `options.environment`. */
  container(options?: ContainerSettings): Promise<LambdaContainer>;
  containers(count: number, options?: ContainerSettings): Promise<LambdaContainer[]>;
  /** Every item of the table, read directly. */
  tableItems(): Promise<Record<string, AttributeValue>[]>;
  putCredentials(client: Pick<StandInClient, 'clientId' | 'clientSecret'>): void;
  close(): Promise<void>;
}

export type ContainerSettings = Partial<Omit<LambdaContainerOptions, 'asset'>>;

export function functionAsset(): FunctionAsset {
  const json = process.env.RUNTIME_TIER_ASSET;
  if (!json) throw new Error('RUNTIME_TIER_ASSET is not set: run the runtime tier with `npm run test:runtime` (its global setup synthesizes the app).');
  return JSON.parse(json) as FunctionAsset;
}

export async function startStand(options: { wllDelayMs?: number; environment?: Record<string, string> } = {}): Promise<RuntimeStand> {
  const asset = functionAsset();
  const { client, wll, secrets, dynamodb, tableName, secretName, putCredentials, functionEnv } = await startStandIns(options);
  const dynamoDbProxy = await FaultProxy.start(process.env.TEST_DYNAMODB_ENDPOINT!);
  const secretsProxy = await FaultProxy.start(secrets.endpoint);
  const env: Record<string, string> = {
    ...functionEnv,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDbProxy.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsProxy.endpoint,
    ...options.environment,
  };
  const started: LambdaContainer[] = [];
  let count = 0;
  const container = async (settings: ContainerSettings = {}) => {
    count += 1;
    const started1 = await LambdaContainer.start({ label: `c${count}`, ...settings, asset, environment: { ...env, ...settings.environment } });
    started.push(started1);
    return started1;
  };

  return {
    asset,
    wll,
    secrets,
    dynamoDbProxy,
    secretsProxy,
    dynamodb,
    tableName,
    secretName,
    client,
    env,
    container,
    containers: (n, settings) => Promise.all(Array.from({ length: n }, () => container(settings))),
    async tableItems() {
      const { Items } = await dynamodb.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
      return Items ?? [];
    },
    putCredentials,
    async close() {
      await Promise.all(started.map((c) => c.stop()));
      await Promise.all([dynamoDbProxy.close(), secretsProxy.close()]);
      dynamodb.destroy();
      await Promise.all([wll.close(), secrets.close()]);
      assertNoLeaks(started);
    },
  };
}

/** Fails if any container printed a registered client secret or token (named by fingerprint only). */
export function assertNoLeaks(containers: readonly LambdaContainer[]): void {
  const leaks = containers.flatMap((c) => leakedIn(c.outputText()).map((leak) => `${c.label}: ${leak}`));
  if (leaks.length > 0) throw new Error(`A client secret or token appeared in a container's output: ${leaks.join(', ')}`);
}

/** The access token of a successful direct invocation. */
export function tokenOf(result: InvocationResult): string {
  if (!result.ok) throw new Error(`invocation ${result.requestId} failed: ${result.errorType}: ${result.errorMessage.slice(0, 300)}`);
  return (result.result as { accessToken: string }).accessToken;
}

/** A short account of failed invocations, for assertion messages (never a token). */
export function failures(results: readonly InvocationResult[]): string[] {
  return results.flatMap((r) => (r.ok ? [] : [`${r.errorType}: ${r.errorMessage.slice(0, 200)} (after ${r.durationMs} ms)`]));
}

/**
 * CloudWatch embedded-format metrics the containers printed (Powertools' EMF lines),
 * summed by name.
 */
export function emfMetrics(containers: readonly LambdaContainer[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const container of containers) {
    for (const { text } of container.output()) {
      if (!text.includes('"CloudWatchMetrics"')) continue;
      let entry: { _aws?: { CloudWatchMetrics?: { Metrics?: { Name: string }[] }[] } } & Record<string, unknown>;
      try {
        entry = JSON.parse(text) as typeof entry;
      } catch {
        continue;
      }
      for (const group of entry._aws?.CloudWatchMetrics ?? []) {
        for (const { Name } of group.Metrics ?? []) {
          const value = entry[Name];
          const values = Array.isArray(value) ? value : [value];
          totals[Name] = (totals[Name] ?? 0) + values.reduce((sum: number, v) => sum + (typeof v === 'number' ? v : 0), 0);
        }
      }
    }
  }
  return totals;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sparse, steady traffic: each container is invoked every `everyMs`, the containers
 * staggered evenly, until `durationMs` has passed. Between its invocations a container
 * is frozen, as on Lambda.
 */
export async function steadyTraffic(
  containers: readonly LambdaContainer[],
  { everyMs, durationMs, event = {} }: { everyMs: number; durationMs: number; event?: unknown },
): Promise<InvocationResult[]> {
  const results: InvocationResult[] = [];
  const startedAt = Date.now();
  await Promise.all(
    containers.map(async (container, index) => {
      let next = startedAt + (index * everyMs) / containers.length;
      while (next < startedAt + durationMs) {
        await sleep(Math.max(0, next - Date.now()));
        results.push(await container.invoke(event));
        next += everyMs;
      }
    }),
  );
  return results;
}

/** Tokens the issuer minted that no invocation ever handed out: paid for, thrown away. */
export function wastedTokens(wll: WllStandIn, results: readonly InvocationResult[]): number {
  const served = new Set(results.flatMap((r) => (r.ok ? [(r.result as { accessToken?: string }).accessToken] : [])));
  return wll.issued.filter((issued) => !served.has(issued.accessToken)).length;
}

/** Log lines at WARN or above (Powertools' JSON, or the runtime's own text lines). */
export function warnings(containers: readonly LambdaContainer[]): string[] {
  return containers.flatMap((c) =>
    c
      .output()
      .map((line) => line.text)
      .filter((text) => /"level":"(WARN|ERROR|CRITICAL)"|\t(WARN|ERROR|FATAL)\t/.test(text))
      .map((text) => `${c.label}: ${text.slice(0, 300)}`),
  );
}

/** An invocation's outcome without the token: where it came from, or the error (message shortened). */
export function outcome(result: InvocationResult): { ok: boolean; source?: string; errorType?: string; errorMessage?: string } {
  if (result.ok) return { ok: true, source: (result.result as { source?: string }).source };
  return { ok: false, errorType: result.errorType, errorMessage: result.errorMessage.slice(0, 300) };
}
