/**
 * Steps that make trouble: a container killed, DynamoDB or Secrets Manager failing (the next
 * few attempts, or for a while), WLL misbehaving, both at once, a client's secret rotated.
 */
import type { WireFault } from '../models/wire-faults';
import type { IssuerBehaviour } from '../models/wll-issuer';
import { issuerTrouble, kill, rotate, wireFaultNow, wireOutage } from '../world/effects';
import type { World } from '../world/world';
import { Step, type StepJson } from './step';

export class Kill extends Step {
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
  toJSON(): StepJson {
    return { step: 'kill', args: [this.slot, this.gapMs] };
  }
  toString(): string {
    return `kill(slot ${this.slot + 1}, +${this.gapMs} ms)`;
  }
}

export class WireTrouble extends Step {
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
  toJSON(): StepJson {
    return { step: 'wire', args: [this.service, this.operation ?? null, this.pkPrefix ?? null, this.wire, this.extent, this.gapMs] };
  }
  toString(): string {
    const extent = 'count' in this.extent ? `next ${this.extent.count}` : `${this.extent.ms} ms`;
    return `${this.service}(${[this.operation, this.pkPrefix].filter(Boolean).join(' ') || 'any'}, ${this.wire}, ${extent}, +${this.gapMs} ms)`;
  }
}

export class IssuerTrouble extends Step {
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
  toJSON(): StepJson {
    return { step: 'issuer', args: [this.behaviour, this.duration, this.tokenUrl ?? null, this.gapMs] };
  }
  toString(): string {
    return `issuer(${JSON.stringify(this.behaviour)}, ${this.duration === 'once' ? 'once' : `${this.duration} ms`}, ${this.tokenUrl ? new URL(this.tokenUrl).host : 'all'}, +${this.gapMs} ms)`;
  }
}

/** Trouble that comes together (a network in trouble): DynamoDB and WLL misbehave over the same window. */
export class Storm extends Step {
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
  toJSON(): StepJson {
    return { step: 'storm', args: [this.wire, this.behaviour, this.ms, this.gapMs] };
  }
  toString(): string {
    return `storm(DynamoDB ${this.wire} and WLL ${JSON.stringify(this.behaviour)} for ${this.ms} ms, +${this.gapMs} ms)`;
  }
}

export class Rotate extends Step {
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
  toJSON(): StepJson {
    return { step: 'rotate', args: [this.client, this.order, this.otherSideMs, this.gapMs] };
  }
  toString(): string {
    return `rotate(client #${this.client}, ${this.order}, other side +${this.otherSideMs} ms, +${this.gapMs} ms)`;
  }
}

