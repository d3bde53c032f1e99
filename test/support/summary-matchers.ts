/**
 * Small helpers for tests that compare one summary object: a number matcher that prints what it
 * expects, and a wait for a condition that real I/O makes true a little later.
 */

/** An asymmetric matcher for a number, shown in a failed comparison by its description. */
export function numberThat(description: string, test: (actual: number) => boolean) {
  return {
    $$typeof: Symbol.for('jest.asymmetricMatcher'),
    asymmetricMatch: (actual: unknown) => typeof actual === 'number' && test(actual),
    toAsymmetricMatcher: () => description,
  };
}

/** Resolves once `condition()` holds, checking every 10 ms; throws after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error('the awaited condition never held');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
