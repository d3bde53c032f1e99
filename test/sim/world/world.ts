/**
 * One simulated run's world: the models of DynamoDB, Secrets Manager and WLL, the fleet of
 * containers running the function's real code, the faults in force, and what was observed.
 * Commands act on it; the invariants are checked after every step and at the end.
 */
import { derivedRandom, between, type Random } from '../environment/seeded-random';
import { asWorld, SIMULATION_EPOCH_MS, trueNow } from '../environment/virtual-time';
import type { AwsAttempt, AwsServiceName, AwsWorld } from '../models/aws-transport';
import { DynamoDbService } from '../models/dynamodb/dynamodb-service';
import { TableModel, type TableEvent } from '../models/dynamodb/table-model';
import { SecretsManagerService } from '../models/secrets-manager-service';
import { WireFaultBook } from '../models/wire-faults';
import { WllIssuerModel, type IssuerWorld, type Mint } from '../models/wll-issuer';
import type { LogLine } from '../lambda/recording-telemetry';
import { AUDIENCES, functionEnvironment, type SimConfig } from '../scenario/config';
import { ClientBook } from './clients';
import { Fleet } from './fleet';
import { Ledger } from './ledger';
import { seconds, Trace } from './trace';
import type { RunPolicy, Violation } from '../invariants/violation';
import type { WorldHooks } from './hooks';

export const TABLE_NAME = 'wll-token-vendor-sim';

export class World {
  readonly ledger = new Ledger();
  readonly clients: ClientBook;
  readonly table: TableModel;
  readonly secretsManager: SecretsManagerService;
  readonly issuer: WllIssuerModel;
  readonly faults = new WireFaultBook();
  readonly fleet: Fleet;
  readonly trace: Trace;
  readonly violations: Violation[] = [];
  /** The command being run (0 before the first; the calm phase and the end follow the last). */
  step = 0;
  /** Operator actions still to come (the second half of a rotation), run at once by the calm phase. */
  readonly pendingActions = new Set<() => void>();
  /** When the last fault of any kind was injected or rotation begun (true time). */
  lastTroubleAt = -Infinity;
  /** True once the calm at the end of the run began: the background traffic stops. */
  calming = false;
  /** Invocations routed to a container that have not begun yet (a cold start under way). */
  starting = 0;
  /** The token each caller (set and audience) got last: what it reports refused in a compare-and-refresh. */
  readonly lastAnswered = new Map<string, Mint>();
  private arrivingAttempt?: AwsAttempt;
  private readonly noise: Record<'dynamodb' | 'secretsmanager' | 'issuer' | 'lambda', Random>;

  constructor(
    readonly config: SimConfig,
    readonly invariants: readonly WorldHooks<World>[],
    readonly policy: RunPolicy,
  ) {
    this.noise = {
      dynamodb: derivedRandom(config.seed, 'dynamodb'),
      secretsmanager: derivedRandom(config.seed, 'secretsmanager'),
      issuer: derivedRandom(config.seed, 'issuer'),
      lambda: derivedRandom(config.seed, 'lambda'),
    };
    this.clients = new ClientBook(config.clients, AUDIENCES, config.seed.toString(36));
    this.table = new TableModel(TABLE_NAME, (event) => this.tableChanged(event));
    this.secretsManager = new SecretsManagerService(trueNow);
    this.issuer = new WllIssuerModel(this.issuerWorld());
    for (const client of config.clients) this.issuer.grant(this.clients.clientId(client.name), this.clients.credentials(client.name, 1).clientSecret, 1);
    for (const set of config.sets) {
      if (!this.secretsManager.currentVersion(set.secretId)) this.secretsManager.put(set.secretId, this.clients.secretString(set.client, 1), 1);
    }
    this.trace = new Trace(SIMULATION_EPOCH_MS, this.clients, (who) => {
      const skew = this.fleet.skewOf(who);
      return skew === undefined || skew === 0 ? '' : `(${skew > 0 ? '+' : ''}${(skew / 1000).toFixed(1)}s)`;
    });
    this.fleet = new Fleet(
      { seed: config.seed, env: functionEnvironment(config), dynamodb: new DynamoDbService(this.table), secretsManager: this.secretsManager, issuer: this.issuer, aws: this.awsWorld(), log: (line) => this.logged(line) },
      config.skewsMs,
      config.concurrency,
      config.slots,
    );
  }

  /** Notes an event in the trace at the current time. */
  note(who: string, text: () => string): void {
    this.trace.add(trueNow(), this.step, who, text);
  }

  /** Runs an operator's or the world's action later (true time), on the world's own timer. */
  later(ms: number, action: () => void): void {
    this.pendingActions.add(action);
    asWorld(() =>
      setTimeout(() => {
        if (!this.pendingActions.delete(action)) return;
        action();
      }, ms),
    );
  }

  /** Some fault or rotation happened now: the strict fault-free request count no longer applies from here. */
  trouble(who: string, text: string): void {
    this.lastTroubleAt = trueNow();
    this.note(who, () => text);
  }

  /** A violation found by an invariant: kept, and thrown after the step. */
  report(violation: Violation): void {
    this.violations.push(violation);
  }

  /** Runs one hook of every invariant, collecting what they find. */
  checkEach(hook: (invariant: WorldHooks<World>) => void): void {
    for (const invariant of this.invariants) {
      try {
        hook(invariant);
      } catch (error) {
        if (error && typeof error === 'object' && 'invariant' in error) this.report(error as Violation);
        else throw error;
      }
    }
  }

  /** A number from the lambda noise stream (cold-start durations). */
  lambdaNoise(min: number, max: number): number {
    return between(this.noise.lambda, min, max);
  }

  private tableChanged(event: TableEvent): void {
    const at = trueNow();
    this.ledger.table.push({ ...event, at, attempt: event.caller === 'ttl' ? undefined : this.arrivingAttempt });
    this.checkEach((invariant) => invariant.onTableEvent?.(this, event, at));
  }

  private logged(line: LogLine): void {
    this.ledger.logs.push({ ...line, at: trueNow() });
    if (line.level === 'warn' || line.level === 'error') {
      this.note(line.process, () => `log ${line.level}: ${line.message}${summarizeFields(line.fields)}`);
    }
  }

  private awsWorld(): AwsWorld {
    return {
      faults: this.faults,
      now: trueNow,
      latency: (service: AwsServiceName) => {
        const [min, max] = service === 'dynamodb' ? this.config.latencyMs.dynamodb : this.config.latencyMs.secretsManager;
        const random = this.noise[service];
        return { upMs: between(random, min, max) / 2, downMs: between(random, min, max) / 2 };
      },
      slowMs: () => between(this.noise.dynamodb, 1_200, 4_000),
      attempted: (attempt) => {
        attempt.seq = this.ledger.aws.length + 1;
        this.ledger.aws.push(attempt);
        this.note(attempt.process, () => this.trace.aws(attempt));
      },
      arriving: (attempt) => {
        this.arrivingAttempt = attempt;
      },
      ended: (attempt) => this.checkEach((invariant) => invariant.onAwsEnded?.(this, attempt)),
    };
  }

  private issuerWorld(): IssuerWorld {
    return {
      now: trueNow,
      latency: () => {
        const [min, max] = this.config.latencyMs.issuer;
        return { upMs: between(this.noise.issuer, min, max) / 2, downMs: between(this.noise.issuer, min, max) / 2 };
      },
      marginSeconds: this.config.marginSeconds,
      lifetimeSeconds: this.config.lifetimeSeconds,
      attempted: (attempt) => {
        attempt.seq = this.ledger.issuer.length + 1;
        this.ledger.issuer.push(attempt);
        this.note(attempt.process, () => this.trace.issuer(attempt));
        this.checkEach((invariant) => invariant.onIssuerAttempt?.(this, attempt));
      },
      minted: (mint) => this.ledger.addMint(mint),
      ended: (attempt) => this.checkEach((invariant) => invariant.onIssuerEnded?.(this, attempt)),
    };
  }

  /** True when no invocation is starting or running. */
  quiet(): boolean {
    return this.starting === 0 && this.ledger.invocations.every((i) => i.outcome);
  }

  /** When the run began and how long it has gone (for messages). */
  elapsed(): string {
    return seconds(trueNow() - SIMULATION_EPOCH_MS);
  }
}

function summarizeFields(fields: unknown): string {
  if (!fields || typeof fields !== 'object') return '';
  const shown = Object.entries(fields as Record<string, unknown>)
    .filter(([, value]) => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    .map(([key, value]) => `${key}=${String(value).slice(0, 160)}`);
  return shown.length > 0 ? ` {${shown.join(', ')}}` : '';
}
