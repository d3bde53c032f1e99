import { RefreshSchedule } from '../../../lambda/protocol/refresh-schedule';
import { FakeClock } from '../../support/fakes';

const HOUR = 3_600_000;
const token = (issuedAtMs: number) => ({ accessToken: 't', tokenType: 'Bearer' as const, issuedAt: issuedAtMs / 1000, expiresAt: issuedAtMs / 1000 + 86_400 });

test('a token is due within the last quarter of its life, at a jittered point', () => {
  const clock = new FakeClock();
  const schedule = new RefreshSchedule(0.25, clock.now, () => 1);
  schedule.plan('k', token(clock.now()));

  clock.advance(18 * HOUR);
  expect(schedule.isInRefreshWindow(token(clock.now() - 18 * HOUR))).toBe(false);
  // Full jitter moves the start 20% into the window: 18 h + 1.2 h.
  expect(schedule.startIfDue('k')).toBe(false);
  clock.advance(1.2 * HOUR);
  expect(schedule.startIfDue('k')).toBe(true);
});

test('one background refresh at a time per key, and a retry 5 to 10 s later', () => {
  const clock = new FakeClock();
  const schedule = new RefreshSchedule(0.25, clock.now, () => 0);
  schedule.plan('k', token(clock.now() - 20 * HOUR));

  expect(schedule.startIfDue('k')).toBe(true);
  expect(schedule.startIfDue('k')).toBe(false);
  schedule.finished('k');
  expect(schedule.startIfDue('k')).toBe(false);
  clock.advance(5_000);
  expect(schedule.startIfDue('k')).toBe(true);
});

test('a ratio of 0 turns early refresh off', () => {
  const clock = new FakeClock();
  const schedule = new RefreshSchedule(0, clock.now, () => 0);
  schedule.plan('k', token(clock.now() - 23 * HOUR));

  expect(schedule.startIfDue('k')).toBe(false);
  expect(schedule.isInRefreshWindow(token(clock.now() - 23 * HOUR))).toBe(false);
  expect(schedule.isInRefreshWindow(token(clock.now() - 23 * HOUR), 0.25)).toBe(true);
});

test('a forgotten key has no plan left', () => {
  const clock = new FakeClock();
  const schedule = new RefreshSchedule(0.25, clock.now, () => 0);
  schedule.plan('k', token(clock.now() - 20 * HOUR));
  schedule.plan('other', token(clock.now()));

  schedule.forget('k');

  expect(schedule.size).toBe(1);
  expect(schedule.startIfDue('k')).toBe(false);
});
