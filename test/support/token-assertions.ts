import { fingerprint } from './sensitive-values';

/**
 * Asserts two tokens are the same without printing either: a failure shows
 * fingerprints, so tokens never reach the test output.
 */
export function expectSameToken(actual: unknown, expected: unknown): void {
  const show = (value: unknown) => (typeof value === 'string' ? fingerprint(value) : String(value));
  if (typeof actual !== 'string' || actual !== expected) {
    throw new Error(`Expected the same token: got ${show(actual)}, expected ${show(expected)}`);
  }
}
