/**
 * The steps of a run, as fast-check model-based commands: callers invoking containers (alone
 * or in bursts), the schedule, time passing, and the faults (DynamoDB, Secrets Manager, WLL,
 * rotations, kills). Each step acts, lets virtual time run for its gap, and has the invariants
 * checked; fast-check shrinks a failing run by dropping and simplifying steps.
 */
import fc from 'fast-check';
import { WLL_TOKEN_ENDPOINTS } from '../../../lambda/config/load-config';
import { advance } from '../environment/virtual-time';
import { WIRE_FAULTS, type WireFault } from '../models/wire-faults';
import type { IssuerBehaviour } from '../models/wll-issuer';
import { issuerTrouble, kill, rotate, wireFaultNow, wireOutage } from '../world/effects';
import { startInvocation } from '../world/invocations';
import type { InvocationKind } from '../world/ledger';
import type { World } from '../world/world';
import { STEP_KINDS, type StepWeights } from './step-weights';

/** What fast-check's model holds: whether the run stopped on a known defect, and whether faults are allowed. */
export interface SimModel {
  stopped: boolean;
  readonly faults: boolean;
}

abstract class Step implements fc.AsyncCommand<SimModel, World> {
  protected abstract readonly fault: boolean;

  constructor(readonly gapMs: number) {}

  check(model: Readonly<SimModel>): boolean {
    return !model.stopped && (model.faults || !this.fault);
  }

  async run(model: SimModel, world: World): Promise<void> {
    world.step += 1;
    this.act(world);
    await advance(this.gapMs);
    world.checkEach((invariant) => invariant.afterStep?.(world));
    stopOrThrow(model, world);
  }

  protected abstract act(world: World): void;
  abstract toString(): string;
}

/** After a step: a violation fails the run, unless it is a known open defect (then the run stops and says so). */
export function stopOrThrow(model: SimModel, world: World): void {
  const violation = world.violations[0];
  if (!violation) return;
  const policy = world.policy;
  if (violation.known && policy.knownOpen.has(violation.known) && !policy.strict) {
    policy.findings.push(violation);
    model.stopped = true;
    return;
  }
  throw violation;
}

function setOf(world: World, index: number) {
  return world.config.sets[index % world.config.sets.length]!;
}

class Call extends Step {
  protected readonly fault = false;
  constructor(
    readonly slot: number,
    readonly set: number,
    readonly audience: number,
    readonly kind: 'get' | 'force' | 'refused',
    gapMs: number,
  ) {
    super(gapMs);
  }
  protected act(world: World): void {
    invoke(world, this.slot, this.set, this.audience, this.kind);
  }
  toString(): string {
    return `call(slot ${this.slot + 1}, ${this.kind}, set #${this.set}, audience #${this.audience}, +${this.gapMs} ms)`;
  }
}

function invoke(world: World, slot: number, setIndex: number, audienceIndex: number, kind: InvocationKind): void {
  const set = setOf(world, setIndex);
  const audience = set.audiences[audienceIndex % set.audiences.length]!;
  const replaces = kind === 'refused' ? world.lastAnswered.get(`${set.name} ${audience}`) : undefined;
  startInvocation(world, { slot: slot % world.config.slots, set: set.name, audience, kind: kind === 'refused' && !replaces ? 'get' : kind, replaces });
}

/** Several callers at once: on one slot (a Managed Instance takes them together) or spread over the slots. */
class Burst extends Step {
  protected readonly fault = false;
  constructor(
    readonly kinds: readonly ('get' | 'force' | 'refused' | 'scheduled')[],
    readonly set: number,
    readonly spread: boolean,
    gapMs: number,
  ) {
    super(gapMs);
  }
  protected act(world: World): void {
    this.kinds.forEach((kind, i) => {
      const slot = this.spread ? i : 0;
      if (kind === 'scheduled') startInvocation(world, { slot: slot % world.config.slots, set: setOf(world, this.set).name, audience: setOf(world, this.set).audiences[0]!, kind });
      else invoke(world, slot, this.set, 0, kind);
    });
  }
  toString(): string {
    return `burst(${this.kinds.join(' ')}, set #${this.set}, ${this.spread ? 'spread over the slots' : 'on slot 1'}, +${this.gapMs} ms)`;
  }
}

class Scheduled extends Step {
  protected readonly fault = false;
  constructor(
    readonly slot: number,
    gapMs: number,
  ) {
    super(gapMs);
  }
  protected act(world: World): void {
    startInvocation(world, { slot: this.slot % world.config.slots, set: world.config.sets[0]!.name, audience: world.config.sets[0]!.audiences[0]!, kind: 'scheduled' });
  }
  toString(): string {
    return `scheduled(slot ${this.slot + 1}, +${this.gapMs} ms)`;
  }
}

/** Time passes: a share of the token lifetime (so runs cross refresh windows whatever the lifetime). */
class Wait extends Step {
  protected readonly fault = false;
  constructor(readonly share: number) {
    super(0);
  }
  override async run(model: SimModel, world: World): Promise<void> {
    world.step += 1;
    world.note('world', () => `time passes: ${Math.round(this.share * 100)}% of a token lifetime`);
    await advance(Math.round(this.share * world.config.lifetimeSeconds * 1000));
    world.checkEach((invariant) => invariant.afterStep?.(world));
    stopOrThrow(model, world);
  }
  protected act(): void {}
  toString(): string {
    return `wait(${Math.round(this.share * 100)}% of a lifetime)`;
  }
}

class Kill extends Step {
  protected readonly fault = true;
  constructor(
    readonly slot: number,
    gapMs: number,
  ) {
    super(gapMs);
  }
  protected act(world: World): void {
    kill(world, this.slot % world.config.slots);
  }
  toString(): string {
    return `kill(slot ${this.slot + 1}, +${this.gapMs} ms)`;
  }
}

class WireTrouble extends Step {
  protected readonly fault = true;
  constructor(
    readonly service: 'dynamodb' | 'secretsmanager',
    readonly operation: string | undefined,
    readonly pkPrefix: string | undefined,
    readonly wire: WireFault,
    readonly extent: { readonly count: number } | { readonly ms: number },
    gapMs: number,
  ) {
    super(gapMs);
  }
  protected act(world: World): void {
    const match = { service: this.service, operation: this.operation, pkPrefix: this.pkPrefix };
    if ('count' in this.extent) wireFaultNow(world, match, this.wire, this.extent.count);
    else wireOutage(world, match, this.wire, this.extent.ms);
  }
  toString(): string {
    const extent = 'count' in this.extent ? `next ${this.extent.count}` : `${this.extent.ms} ms`;
    return `${this.service}(${[this.operation, this.pkPrefix].filter(Boolean).join(' ') || 'any'}, ${this.wire}, ${extent}, +${this.gapMs} ms)`;
  }
}

class IssuerTrouble extends Step {
  protected readonly fault = true;
  constructor(
    readonly behaviour: IssuerBehaviour,
    readonly duration: number | 'once',
    readonly tokenUrl: string | undefined,
    gapMs: number,
  ) {
    super(gapMs);
  }
  protected act(world: World): void {
    issuerTrouble(world, this.behaviour, this.duration, this.tokenUrl);
  }
  toString(): string {
    return `issuer(${JSON.stringify(this.behaviour)}, ${this.duration === 'once' ? 'once' : `${this.duration} ms`}, ${this.tokenUrl ? new URL(this.tokenUrl).host : 'all'}, +${this.gapMs} ms)`;
  }
}

/** Trouble that comes together (a network in trouble): DynamoDB and WLL misbehave over the same window. */
class Storm extends Step {
  protected readonly fault = true;
  constructor(
    readonly wire: WireFault,
    readonly behaviour: IssuerBehaviour,
    readonly ms: number,
    gapMs: number,
  ) {
    super(gapMs);
  }
  protected act(world: World): void {
    wireOutage(world, { service: 'dynamodb' }, this.wire, this.ms);
    issuerTrouble(world, this.behaviour, this.ms);
  }
  toString(): string {
    return `storm(DynamoDB ${this.wire} and WLL ${JSON.stringify(this.behaviour)} for ${this.ms} ms, +${this.gapMs} ms)`;
  }
}

class Rotate extends Step {
  protected readonly fault = true;
  constructor(
    readonly client: number,
    readonly order: 'wll-first' | 'secret-first',
    readonly otherSideMs: number,
    gapMs: number,
  ) {
    super(gapMs);
  }
  protected act(world: World): void {
    rotate(world, world.config.clients[this.client % world.config.clients.length]!.name, this.order, this.otherSideMs);
  }
  toString(): string {
    return `rotate(client #${this.client}, ${this.order}, other side +${this.otherSideMs} ms, +${this.gapMs} ms)`;
  }
}

const gap = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 400 }) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 4_000 }) });
const slot = fc.integer({ min: 0, max: 3 });
const index = fc.integer({ min: 0, max: 2 });

const issuerBehaviour: fc.Arbitrary<IssuerBehaviour> = fc.oneof(
  fc.record({ kind: fc.constant('slow' as const), ms: fc.integer({ min: 300, max: 8_000 }) }),
  fc.constant({ kind: 'hang' as const }),
  fc.constant({ kind: 'reset' as const }),
  fc.record({ kind: fc.constant('server-error' as const), status: fc.constantFrom(500 as const, 502 as const, 503 as const), body: fc.constantFrom('json' as const, 'html' as const, 'empty' as const) }),
  fc.record({ kind: fc.constant('rate-limited' as const), retryAfterSeconds: fc.integer({ min: 1, max: 40 }), header: fc.constantFrom('retry-after' as const, 'ratelimit-reset' as const, 'none' as const) }),
  fc.record({ kind: fc.constant('short-lifetime' as const), belowMarginBy: fc.integer({ min: 0, max: 3 }) }),
  fc.constant({ kind: 'absurd-lifetime' as const }),
  fc.record({ kind: fc.constant('jwt-exp-earlier' as const), secondsEarlier: fc.integer({ min: 1, max: 600 }) }),
  fc.constant({ kind: 'mint-then-hang' as const }),
);

const extent = fc.oneof(fc.record({ count: fc.integer({ min: 1, max: 3 }) }), fc.record({ ms: fc.integer({ min: 300, max: 20_000 }) }));

const call = (kind: 'get' | 'force' | 'refused') => fc.tuple(slot, index, index, fc.constant(kind), gap).map((a) => new Call(...a));

function stepArbitrary(weights: StepWeights): fc.Arbitrary<fc.AsyncCommand<SimModel, World>> {
  const kinds: Record<keyof StepWeights, fc.Arbitrary<fc.AsyncCommand<SimModel, World>>> = {
    get: call('get'),
    force: call('force'),
    refused: call('refused'),
    burst: fc
      .tuple(fc.array(fc.constantFrom('get' as const, 'get' as const, 'force' as const, 'refused' as const, 'scheduled' as const), { minLength: 2, maxLength: 6 }), index, fc.boolean(), gap)
      .map((a) => new Burst(...a)),
    scheduled: fc.tuple(slot, gap).map((a) => new Scheduled(...a)),
    wait: fc.double({ min: 0.05, max: 0.8, noNaN: true }).map((share) => new Wait(share)),
    kill: fc.tuple(slot, gap).map((a) => new Kill(...a)),
    dynamodb: fc
      .tuple(fc.constantFrom(undefined, 'GetItem', 'PutItem', 'UpdateItem'), fc.constantFrom(undefined, 'token#', 'lease#', 'mints#'), fc.constantFrom(...WIRE_FAULTS), fc.integer({ min: 1, max: 3 }), gap)
      .map(([operation, prefix, wire, count, g]) => new WireTrouble('dynamodb', operation, prefix, wire, { count }, g)),
    'dynamodb-outage': fc
      .tuple(fc.constantFrom(undefined, 'token#', 'lease#'), fc.constantFrom<WireFault>('throttle', 'server-error', 'reset', 'refused', 'slow', 'hang', 'hang-applied'), fc.integer({ min: 300, max: 20_000 }), gap)
      .map(([prefix, wire, ms, g]) => new WireTrouble('dynamodb', undefined, prefix, wire, { ms }, g)),
    secrets: fc
      .tuple(fc.constantFrom<WireFault>('throttle', 'server-error', 'reset', 'refused', 'slow', 'hang'), extent, gap)
      .map(([wire, ext, g]) => new WireTrouble('secretsmanager', undefined, undefined, wire, ext, g)),
    issuer: fc
      .tuple(issuerBehaviour, fc.oneof(fc.constant('once' as const), fc.integer({ min: 1_000, max: 40_000 })), fc.constantFrom(undefined, WLL_TOKEN_ENDPOINTS.eu, WLL_TOKEN_ENDPOINTS.us), gap)
      .map((a) => new IssuerTrouble(...a)),
    storm: fc
      .tuple(
        fc.constantFrom<WireFault>('throttle', 'server-error', 'reset', 'slow', 'hang', 'hang-applied', 'applied-then-500'),
        fc.oneof(
          fc.record({ kind: fc.constant('slow' as const), ms: fc.integer({ min: 1_000, max: 8_000 }) }),
          fc.constant({ kind: 'hang' as const }),
          fc.record({ kind: fc.constant('server-error' as const), status: fc.constant(503 as const), body: fc.constant('json' as const) }),
        ),
        fc.integer({ min: 2_000, max: 20_000 }),
        gap,
      )
      .map((a) => new Storm(...a)),
    rotate: fc.tuple(index, fc.constantFrom('wll-first' as const, 'secret-first' as const), fc.integer({ min: 0, max: 60_000 }), gap).map((a) => new Rotate(...a)),
  };
  const chosen = STEP_KINDS.filter((kind) => weights[kind] > 0).map((kind) => ({ weight: weights[kind], arbitrary: kinds[kind] }));
  return fc.oneof(...chosen);
}

/** The commands of a run: `maxCommands` steps at most, of the kinds the run's weights favour. */
export function stepsArbitrary(weights: StepWeights, maxCommands: number, replayPath?: string): fc.Arbitrary<Iterable<fc.AsyncCommand<SimModel, World>>> {
  return fc.commands([stepArbitrary(weights)], { maxCommands, size: 'max', replayPath });
}
