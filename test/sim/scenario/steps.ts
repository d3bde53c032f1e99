/**
 * Steps from data: a regression case keeps its steps as JSON (toJSON), and this puts them back,
 * so a kept case replays whatever the generator becomes.
 */
import type fc from 'fast-check';
import type { World } from '../world/world';
import { Burst, Call, Scheduled, Wait } from './caller-steps';
import { IssuerTrouble, Kill, Rotate, Storm, WireTrouble } from './fault-steps';
import type { SimModel, StepJson } from './step';

/** The step a regression case describes. */
export function stepFromJson({ step, args }: StepJson): fc.AsyncCommand<SimModel, World> {
  // JSON has no undefined: an absent argument is kept as null.
  const a: unknown = args.map((arg) => (arg === null ? undefined : arg));
  switch (step) {
    case 'call':
      return new Call(...(a as ConstructorParameters<typeof Call>));
    case 'burst':
      return new Burst(...(a as ConstructorParameters<typeof Burst>));
    case 'scheduled':
      return new Scheduled(...(a as ConstructorParameters<typeof Scheduled>));
    case 'wait':
      return new Wait(...(a as ConstructorParameters<typeof Wait>));
    case 'kill':
      return new Kill(...(a as ConstructorParameters<typeof Kill>));
    case 'wire':
      return new WireTrouble(...(a as ConstructorParameters<typeof WireTrouble>));
    case 'issuer':
      return new IssuerTrouble(...(a as ConstructorParameters<typeof IssuerTrouble>));
    case 'storm':
      return new Storm(...(a as ConstructorParameters<typeof Storm>));
    case 'rotate':
      return new Rotate(...(a as ConstructorParameters<typeof Rotate>));
  }
}
