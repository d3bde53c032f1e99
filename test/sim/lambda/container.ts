/**
 * One simulated Lambda execution environment: the function's real configuration parsing and
 * wiring (lambda/wiring.ts) with its SDK clients on simulated transports, its own clock (skewed
 * from true time within the stated tolerance), and the life Lambda gives it: cold start, one
 * invocation at a time and frozen in between (or, as a Managed Instance, several at once and
 * never frozen), killed at any moment, reset after a timeout.
 */
import { loadConfig, type Config, type CredentialSet } from '../../../lambda/config/load-config';
import type { TokenService } from '../../../lambda/protocol/token-service';
import { createTokenServices } from '../../../lambda/wiring';
import { derivedRandom } from '../environment/seeded-random';
import { SimProcess, trueNow } from '../environment/virtual-time';
import { SimAwsRequestHandler, type AwsServiceModel, type AwsWorld } from '../models/aws-transport';
import type { WllIssuerModel } from '../models/wll-issuer';
import { recordingTelemetry, type LogLine } from './recording-telemetry';

/** What a container is wired to. */
export interface ContainerWorld {
  readonly seed: number;
  readonly env: Readonly<Record<string, string>>;
  readonly dynamodb: AwsServiceModel;
  readonly secretsManager: AwsServiceModel;
  readonly issuer: WllIssuerModel;
  readonly aws: AwsWorld;
  readonly log: (line: LogLine) => void;
}

export class SimContainer {
  readonly process: SimProcess;
  readonly config: Config;
  readonly services: ReadonlyMap<CredentialSet, TokenService>;
  /** Invocations running now. */
  active = 0;
  /** Invocations served so far (the first is the cold start). */
  served = 0;
  /** When its initialization (the cold start) is over, true time; undefined until first routed to. */
  readyAt?: number;

  constructor(
    readonly name: string,
    readonly slot: number,
    /** How far this container's clock is ahead of true time (negative: behind). */
    readonly skewMs: number,
    /** How many invocations it may run at once (1 unless it is a Managed Instance). */
    readonly concurrency: number,
    world: ContainerWorld,
  ) {
    this.process = new SimProcess(name, derivedRandom(world.seed, name));
    // Module scope of the handler: configuration and clients built once, as the container starts.
    const built = this.process.run(() => {
      const config = loadConfig(world.env);
      const services = createTokenServices(config, recordingTelemetry(name, world.log), {
        dynamodbRequestHandler: new SimAwsRequestHandler(world.dynamodb, this.process, world.aws),
        secretsManagerRequestHandler: new SimAwsRequestHandler(world.secretsManager, this.process, world.aws),
        fetch: world.issuer.fetchFor(this.process),
        now: this.now,
      });
      return { config, services };
    });
    this.config = built.config;
    this.services = built.services;
  }

  /** This container's clock. */
  readonly now = (): number => trueNow() + this.skewMs;

  get managed(): boolean {
    return this.concurrency > 1;
  }

  get alive(): boolean {
    return this.process.state !== 'killed';
  }

  get busy(): boolean {
    return this.active >= this.concurrency;
  }

  set(name: string): { set: CredentialSet; service: TokenService } {
    for (const [set, service] of this.services) if (set.name === name) return { set, service };
    throw new Error(`No credential set '${name}' in container ${this.name}`);
  }

  /** Runs one invocation's work as this container; it is thawed first and frozen after, unless a Managed Instance. */
  async invoke<T>(work: () => Promise<T>): Promise<T> {
    this.process.thaw();
    this.active += 1;
    this.served += 1;
    try {
      return await this.process.run(work);
    } finally {
      this.active -= 1;
      if (!this.managed && this.active === 0) this.process.freeze();
    }
  }

  kill(): void {
    this.process.kill();
  }
}
