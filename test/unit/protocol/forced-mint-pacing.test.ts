import { FORCED_MINT_INTERVAL_MS, ForcedMintPacing } from '../../../lambda/protocol/forced-mint-pacing';

test('a forced mint for a key is recent for a minute, for that key only', () => {
  const pacing = new ForcedMintPacing();
  pacing.minted('key-a', 1_000);

  expect(pacing.isRecent('key-a', 1_000 + FORCED_MINT_INTERVAL_MS - 1)).toBe(true);
  expect(pacing.isRecent('key-a', 1_000 + FORCED_MINT_INTERVAL_MS)).toBe(false);
  expect(pacing.isRecent('key-b', 1_000)).toBe(false);
  expect(FORCED_MINT_INTERVAL_MS).toBe(60_000);
});

test('a later mint for another key forgets the ones that no longer decide anything', () => {
  const pacing = new ForcedMintPacing();
  pacing.minted('key-a', 0);
  pacing.minted('key-b', FORCED_MINT_INTERVAL_MS);

  expect((pacing as unknown as { lastByKey: Map<string, number> }).lastByKey.size).toBe(1);
  expect(pacing.isRecent('key-b', FORCED_MINT_INTERVAL_MS + 1)).toBe(true);
});
