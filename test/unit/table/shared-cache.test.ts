import { CLOCK_SKEW_TOLERANCE_MS } from '../../../lambda/core/clock-skew';
import { withSkewTolerance } from '../../../lambda/table/shared-cache';

test('what a holder records lasts the clock-skew tolerance longer; a plain release records nothing', () => {
  const stretched = withSkewTolerance({
    backoff: { notBeforeMs: 10_000, reason: 'rate_limited' },
    rejection: { untilMs: 20_000, message: 'refused' },
  });

  expect(stretched).toEqual({
    backoff: { notBeforeMs: 10_000 + CLOCK_SKEW_TOLERANCE_MS, reason: 'rate_limited' },
    rejection: { untilMs: 20_000 + CLOCK_SKEW_TOLERANCE_MS, message: 'refused' },
  });
  expect(withSkewTolerance({})).toEqual({});
});
