import { GuardedCache } from '../../lambda/cache-guard';
import { FakeClock, MemoryCache } from '../support/fakes';

const TOKEN = { accessToken: 'tok', tokenType: 'Bearer' as const, issuedAt: 1, expiresAt: 2 };

test('a failing table reads as a miss, skips writes, waives the lease, and is left alone for a while', async () => {
  const clock = new FakeClock();
  const broken = new MemoryCache(clock);
  const get = jest.spyOn(broken, 'get').mockRejectedValue(new Error('ECONNREFUSED'));
  jest.spyOn(broken, 'put').mockRejectedValue(new Error('ECONNREFUSED'));
  jest.spyOn(broken, 'acquire').mockRejectedValue(new Error('ECONNREFUSED'));
  const unavailable = jest.fn();
  const guarded = new GuardedCache(broken, broken, unavailable, clock.now, 5_000);

  await expect(guarded.get('k')).resolves.toBeUndefined();
  await expect(guarded.put('k', TOKEN, 'a')).resolves.toBe(TOKEN);
  await expect(guarded.acquire('k', 'me', 1_000)).resolves.toEqual({ acquired: true });
  expect(unavailable).toHaveBeenCalledTimes(1);
  expect(unavailable).toHaveBeenCalledWith('read', expect.any(Error));
  expect(get).toHaveBeenCalledTimes(1);

  clock.advance(5_000);
  get.mockResolvedValue(TOKEN);
  await expect(guarded.get('k')).resolves.toBe(TOKEN);
});
