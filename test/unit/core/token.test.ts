import { isServable, servableUntilMs, type IssuedToken } from '../../../lambda/core/token';

const token: IssuedToken = { accessToken: 'not-a-real-token', tokenType: 'Bearer', issuedAt: 1_800_000_000, expiresAt: 1_800_000_040 };

test.each([0, 2, 300])('servableUntilMs is the last instant isServable holds (margin %i s)', (margin) => {
  const last = servableUntilMs(token, margin);
  expect([isServable(token, last - 1, margin), isServable(token, last, margin), isServable(token, last + 1, margin)]).toEqual([true, true, false]);
});
