import { settledBy } from '../../../lambda/core/deadline';

test('a promise that settles in time gives its value', async () => {
  await expect(settledBy(Promise.resolve('tok'), Date.now() + 1_000, Date.now())).resolves.toEqual({ value: 'tok' });
});

test('a promise still pending at the deadline gives up then, not later', async () => {
  const started = Date.now();
  const result = await settledBy(new Promise(() => undefined), started + 100, started);

  expect(result).toBeUndefined();
  expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  expect(Date.now() - started).toBeLessThan(1_000);
});
