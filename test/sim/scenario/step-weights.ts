/**
 * Swarm testing: each run draws a weight per kind of step, so some kinds are off and others
 * crowd in. Faults that need each other (a table outage while the issuer hangs, say) meet far
 * more often than under one fixed mix, and one kind no longer masks another.
 */
import fc from 'fast-check';

export const STEP_KINDS = ['get', 'force', 'refused', 'burst', 'scheduled', 'wait', 'kill', 'dynamodb', 'dynamodb-outage', 'secrets', 'issuer', 'storm', 'rotate'] as const;
export type StepWeights = Readonly<Record<(typeof STEP_KINDS)[number], number>>;

export const stepWeightsArbitrary: fc.Arbitrary<StepWeights> = fc
  .tuple(...STEP_KINDS.map((kind) => (kind === 'get' || kind === 'wait' ? fc.constantFrom(1, 2, 4) : fc.constantFrom(0, 1, 2, 4))))
  .map((weights) => Object.fromEntries(STEP_KINDS.map((kind, i) => [kind, weights[i]!])) as unknown as StepWeights);

