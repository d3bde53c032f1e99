/**
 * The arbitraries fast-check draws a run's steps from (test/sim/scenario/steps.ts), with the
 * run's swarm weights deciding which kinds come up and how often; fast-check shrinks a failing
 * run by dropping and simplifying steps.
 */
import fc from 'fast-check';
import { WLL_TOKEN_ENDPOINTS } from '../../../lambda/config/load-config';
import { WIRE_FAULTS, type WireFault } from '../models/wire-faults';
import type { IssuerBehaviour } from '../models/wll-issuer';
import type { World } from '../world/world';
import { STEP_KINDS, type StepWeights } from './step-weights';
import { Burst, Call, Scheduled, Wait } from './caller-steps';
import { IssuerTrouble, Kill, Rotate, Storm, WireTrouble } from './fault-steps';
import type { SimModel } from './step';

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
