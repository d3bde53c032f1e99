import {
  type IssuerQuotaReport,
  lowestRemainingPercent,
  MAX_BUCKETS_PER_HEADER,
  parseIssuerQuotaHeaders,
  type QuotaBucket,
} from '../../../lambda/issuer/quota-headers';
// The simulation's seeded generator, so a failure can be reproduced from the seed.
import { seededRandom } from '../../sim/environment/seeded-random';

const NOW_MS = 1_800_000_000_000;
const DOCUMENTED_EXAMPLE = 'b=per_hour;q=10;r=7;t=3540,b=per_day;q=100;r=93;t=86340';

function parse(headers: Record<string, string> | [string, string][]): IssuerQuotaReport {
  return parseIssuerQuotaHeaders(new Headers(headers), NOW_MS);
}

function clientBuckets(value: string): readonly QuotaBucket[] {
  return parse({ 'Auth0-Client-Quota-Limit': value }).quotaBuckets;
}

/** Every number anywhere in the report is a finite, non-negative safe integer (percent aside). */
function expectSaneNumbers(report: IssuerQuotaReport): void {
  const numbers = [
    report.rateLimit?.limit,
    report.rateLimit?.remaining,
    report.rateLimit?.resetAtMs,
    report.retryAfterMs,
    ...report.quotaBuckets.flatMap((b) => [b.quota, b.remaining, b.resetSeconds]),
  ].filter((n) => n !== undefined);
  for (const n of numbers) {
    expect(Number.isSafeInteger(n) && n >= 0).toBe(true);
  }
  for (const b of report.quotaBuckets) {
    expect(b.bucket).toMatch(/^[a-z0-9_]{1,32}$/);
    expect(b.quota).toBeGreaterThanOrEqual(1);
    expect(b.remaining).toBeLessThanOrEqual(b.quota);
  }
  const percent = lowestRemainingPercent(report);
  if (percent !== undefined) {
    expect(Number.isFinite(percent) && percent >= 0 && percent <= 100).toBe(true);
  }
}

describe('the documented values', () => {
  test('Auth0-Client-Quota-Limit: one entry per bucket, in order', () => {
    expect(clientBuckets(DOCUMENTED_EXAMPLE)).toEqual([
      { scope: 'client', bucket: 'per_hour', quota: 10, remaining: 7, resetSeconds: 3540 },
      { scope: 'client', bucket: 'per_day', quota: 100, remaining: 93, resetSeconds: 86340 },
    ]);
  });

  test('Auth0-Organization-Quota-Limit alone gives organization buckets', () => {
    const report = parse({ 'Auth0-Organization-Quota-Limit': 'b=per_hour;q=50;r=25;t=1800' });

    expect(report).toEqual({ quotaBuckets: [{ scope: 'organization', bucket: 'per_hour', quota: 50, remaining: 25, resetSeconds: 1800 }] });
  });

  test('X-RateLimit-Limit alone', () => {
    expect(parse({ 'X-RateLimit-Limit': '30' })).toEqual({ rateLimit: { limit: 30 }, quotaBuckets: [] });
  });

  test('X-RateLimit-Remaining alone, 0 included', () => {
    expect(parse({ 'X-RateLimit-Remaining': '0' })).toEqual({ rateLimit: { remaining: 0 }, quotaBuckets: [] });
  });

  test('X-RateLimit-Reset alone: UNIX seconds become epoch milliseconds', () => {
    expect(parse({ 'X-RateLimit-Reset': '1800000060' })).toEqual({ rateLimit: { resetAtMs: 1_800_000_060_000 }, quotaBuckets: [] });
  });

  test('Retry-After in seconds alone', () => {
    expect(parse({ 'Retry-After': '7' })).toEqual({ retryAfterMs: 7_000, quotaBuckets: [] });
  });

  test('Retry-After as an HTTP date: the wait from now, 0 for a date in the past', () => {
    const inTenSeconds = new Date(NOW_MS + 10_000).toUTCString();

    expect(parse({ 'Retry-After': inTenSeconds }).retryAfterMs).toBe(10_000);
    expect(parse({ 'Retry-After': 'Sun, 06 Nov 1994 08:49:37 GMT' }).retryAfterMs).toBe(0);
  });

  test('Retry-After in the obsolete RFC 850 and asctime date forms (asctime means GMT)', () => {
    const rfc850 = parseIssuerQuotaHeaders(new Headers({ 'Retry-After': 'Sunday, 06-Nov-94 08:49:37 GMT' }), Date.UTC(1994, 10, 6, 8, 49, 0));
    const asctime = parseIssuerQuotaHeaders(new Headers({ 'Retry-After': 'Sun Nov  6 08:49:37 1994' }), Date.UTC(1994, 10, 6, 8, 49, 0));

    expect(rfc850.retryAfterMs).toBe(37_000);
    expect(asctime.retryAfterMs).toBe(37_000);
  });

  test('Retry-After ignores X-RateLimit-Reset, which is reported on its own', () => {
    const report = parse({ 'X-RateLimit-Reset': '1800000060' });

    expect(report.retryAfterMs).toBeUndefined();
    expect(report.rateLimit?.resetAtMs).toBe(1_800_000_060_000);
  });

  test('everything at once, as on a 429 from a tenant with both quotas', () => {
    const report = parse({
      'X-RateLimit-Limit': '30',
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': '1800000001',
      'Retry-After': '1',
      'Auth0-Client-Quota-Limit': DOCUMENTED_EXAMPLE,
      'Auth0-Organization-Quota-Limit': 'b=per_day;q=1000;r=0;t=600',
    });

    expect(report).toEqual({
      rateLimit: { limit: 30, remaining: 0, resetAtMs: 1_800_000_001_000 },
      retryAfterMs: 1_000,
      quotaBuckets: [
        { scope: 'client', bucket: 'per_hour', quota: 10, remaining: 7, resetSeconds: 3540 },
        { scope: 'client', bucket: 'per_day', quota: 100, remaining: 93, resetSeconds: 86340 },
        { scope: 'organization', bucket: 'per_day', quota: 1000, remaining: 0, resetSeconds: 600 },
      ],
    });
    expect(lowestRemainingPercent(report)).toBe(0);
  });

  test('no headers at all: an empty report', () => {
    expect(parse({ 'Content-Type': 'application/json' })).toEqual({ quotaBuckets: [] });
  });
});

describe('case and whitespace', () => {
  test('keys, bucket names and spacing are tolerated; names come out lower-cased', () => {
    expect(clientBuckets(' B=Per_Hour ; Q= 10 ;r =7;  T=3540 , b = PER_DAY;q=100;r=93;t=86340 ')).toEqual([
      { scope: 'client', bucket: 'per_hour', quota: 10, remaining: 7, resetSeconds: 3540 },
      { scope: 'client', bucket: 'per_day', quota: 100, remaining: 93, resetSeconds: 86340 },
    ]);
  });

  test('header names in any case, values with surrounding whitespace', () => {
    const report = parse([
      ['x-RATELIMIT-limit', ' 30 '],
      ['RETRY-AFTER', ' 2 '],
      ['AUTH0-ORGANIZATION-QUOTA-LIMIT', 'b=per_hour;q=5;r=5;t=60'],
    ]);

    expect(report.rateLimit).toEqual({ limit: 30 });
    expect(report.retryAfterMs).toBe(2_000);
    expect(report.quotaBuckets).toHaveLength(1);
  });

  test('fields in another order and unknown keys are fine', () => {
    expect(clientBuckets('t=60;x=whatever;r=1;q=2;b=per_hour;flag')).toEqual([
      { scope: 'client', bucket: 'per_hour', quota: 2, remaining: 1, resetSeconds: 60 },
    ]);
  });
});

describe('broken quota buckets are dropped, valid neighbours kept', () => {
  const VALID = 'b=per_day;q=100;r=93;t=86340';
  const KEPT = [{ scope: 'client', bucket: 'per_day', quota: 100, remaining: 93, resetSeconds: 86340 }];

  test.each([
    ['garbage', '%%%;;==,,'],
    ['missing q', 'b=per_hour;r=7;t=3540'],
    ['missing r', 'b=per_hour;q=10;t=3540'],
    ['missing t', 'b=per_hour;q=10;r=7'],
    ['missing b', 'q=10;r=7;t=3540'],
    ['empty b', 'b=;q=10;r=7;t=3540'],
    ['empty q', 'b=per_hour;q=;r=7;t=3540'],
    ['negative q', 'b=per_hour;q=-10;r=7;t=3540'],
    ['negative t', 'b=per_hour;q=10;r=7;t=-1'],
    ['float q', 'b=per_hour;q=10.5;r=7;t=3540'],
    ['float r', 'b=per_hour;q=10;r=7.0;t=3540'],
    ['exponent', 'b=per_hour;q=1e3;r=7;t=3540'],
    ['plus sign', 'b=per_hour;q=+10;r=7;t=3540'],
    ['hex', 'b=per_hour;q=0x10;r=7;t=3540'],
    ['words', 'b=per_hour;q=ten;r=NaN;t=Infinity'],
    ['huge q', `b=per_hour;q=${'9'.repeat(20)};r=7;t=3540`],
    ['beyond the safe range', 'b=per_hour;q=9007199254740993;r=7;t=3540'],
    ['quota 0', 'b=per_hour;q=0;r=0;t=3540'],
    ['remaining above quota', 'b=per_hour;q=10;r=11;t=3540'],
    ['a key twice', 'b=per_hour;q=10;q=20;r=7;t=3540'],
    ['a name with a space', 'b=per hour;q=10;r=7;t=3540'],
    ['a name with markup', 'b=<script>;q=10;r=7;t=3540'],
    ['a name of 33 characters', `b=${'a'.repeat(33)};q=10;r=7;t=3540`],
    ['a name with a non-ASCII letter', 'b=per_höur;q=10;r=7;t=3540'],
  ])('%s', (_name, broken) => {
    expect(clientBuckets(`${broken},${VALID}`)).toEqual(KEPT);
    expect(clientBuckets(`${VALID},${broken}`)).toEqual(KEPT);
  });

  test('empty buckets and trailing or leading commas are skipped', () => {
    expect(clientBuckets(`,,${VALID},, ,`)).toEqual(KEPT);
  });

  test('an empty header value gives no bucket', () => {
    expect(clientBuckets('')).toEqual([]);
  });

  test('a negative remaining (a brief overrun) reads as exhausted, not as missing', () => {
    expect(clientBuckets('b=per_hour;q=10;r=-2;t=3540')).toEqual([
      { scope: 'client', bucket: 'per_hour', quota: 10, remaining: 0, resetSeconds: 3540 },
    ]);
  });

  test('a name of 32 characters and leading zeros are accepted', () => {
    const name = `a${'_'.repeat(30)}9`;

    expect(clientBuckets(`b=${name};q=010;r=007;t=0`)).toEqual([{ scope: 'client', bucket: name, quota: 10, remaining: 7, resetSeconds: 0 }]);
  });

  test('the same bucket named twice keeps its lowest remaining value', () => {
    expect(clientBuckets('b=per_hour;q=10;r=7;t=3540,b=per_hour;q=10;r=2;t=3540,b=per_hour;q=10;r=5;t=3540')).toEqual([
      { scope: 'client', bucket: 'per_hour', quota: 10, remaining: 2, resetSeconds: 3540 },
    ]);
  });

  test('a header sent twice is read as one list (Headers joins the copies)', () => {
    const report = parse([
      ['Auth0-Client-Quota-Limit', 'b=per_hour;q=10;r=7;t=3540'],
      ['Auth0-Client-Quota-Limit', 'b=per_day;q=100;r=93;t=86340'],
    ]);

    expect(report.quotaBuckets.map((b) => b.bucket)).toEqual(['per_hour', 'per_day']);
  });
});

describe('hostile sizes cost little and yield bounded output', () => {
  test(`1,000 buckets: only the first ${MAX_BUCKETS_PER_HEADER} are kept`, () => {
    const many = Array.from({ length: 1000 }, (_, i) => `b=b${i};q=1;r=1;t=1`).join(',');

    const buckets = clientBuckets(many);

    expect(buckets.map((b) => b.bucket)).toEqual(Array.from({ length: MAX_BUCKETS_PER_HEADER }, (_, i) => `b${i}`));
  });

  test('1,000 copies of one bucket stay one bucket', () => {
    expect(clientBuckets(Array(1000).fill('b=per_hour;q=10;r=7;t=3540').join(','))).toHaveLength(1);
  });

  test('a 100 KB quota header of distinct buckets: the first ones are read, at no great cost', () => {
    const huge = Array.from({ length: 4000 }, (_, i) => `b=bucket_${i};q=1000;r=999;t=3540`).join(',');
    expect(huge.length).toBeGreaterThan(100_000);

    expect(clientBuckets(huge).map((b) => b.bucket)).toEqual(Array.from({ length: MAX_BUCKETS_PER_HEADER }, (_, i) => `bucket_${i}`));
  });

  test('the bucket cut at 1 KB is dropped, not read with a shortened number', () => {
    // 62 copies of a 16-character bucket fill 992 characters; the next bucket's t
    // starts at 1,013, so the cut leaves it as t=30000000000, which would pass.
    const value = `${'b=x;q=1;r=1;t=1,'.repeat(62)}b=per_day;q=10;r=5;t=3${'0'.repeat(100_000)}`;

    expect(clientBuckets(value)).toEqual([{ scope: 'client', bucket: 'x', quota: 1, remaining: 1, resetSeconds: 1 }]);
  });

  test('a single 100 KB bucket yields nothing', () => {
    expect(clientBuckets(`b=per_hour;q=10;r=7;t=3540;pad=${'x'.repeat(100_000)}`)).toEqual([]);
  });

  test('100 KB numeric headers are ignored', () => {
    const digits = '1'.repeat(100_000);

    expect(parse({ 'X-RateLimit-Limit': digits, 'X-RateLimit-Remaining': digits, 'X-RateLimit-Reset': digits, 'Retry-After': digits })).toEqual({
      quotaBuckets: [],
    });
  });
});

describe('broken rate-limit values are dropped field by field', () => {
  test.each(['', ' ', '-1', '1.5', '1e3', '+3', '0x1f', 'thirty', 'NaN', 'Infinity', '9'.repeat(17), '30 requests', '30,31'])(
    'X-RateLimit-* = %j',
    (broken) => {
      const report = parse({ 'X-RateLimit-Limit': broken, 'X-RateLimit-Remaining': broken, 'X-RateLimit-Reset': broken, 'X-RateLimit-Other': '5' });

      expect(report).toEqual({ quotaBuckets: [] });
    },
  );

  test('one valid field survives broken neighbours', () => {
    expect(parse({ 'X-RateLimit-Limit': 'lots', 'X-RateLimit-Remaining': '4', 'X-RateLimit-Reset': '-5' })).toEqual({
      rateLimit: { remaining: 4 },
      quotaBuckets: [],
    });
  });

  test('a numeric header sent twice counts only when the copies agree', () => {
    const same = parse([
      ['X-RateLimit-Limit', '30'],
      ['X-RateLimit-Limit', '30'],
    ]);
    const differ = parse([
      ['X-RateLimit-Limit', '30'],
      ['X-RateLimit-Limit', '60'],
    ]);

    expect(same.rateLimit).toEqual({ limit: 30 });
    expect(differ.rateLimit).toBeUndefined();
  });

  test('a reset too large for milliseconds to stay exact is dropped', () => {
    expect(parse({ 'X-RateLimit-Reset': '9007199254741' }).rateLimit).toBeUndefined();
  });

  test.each([
    '-5',
    '1.5',
    'x 1',
    '5, 5',
    'soon',
    'Infinity',
    '9'.repeat(400),
    '99999999999999999999',
    'Sun, 99 Nov 1994 99:99:99 GMT',
    'Xyz, 06 Foo 1994 08:49:37 GMT',
  ])('Retry-After = %j is dropped, not read as some date or an endless wait', (broken) => {
    expect(parse({ 'Retry-After': broken }).retryAfterMs).toBeUndefined();
  });
});

describe('lowestRemainingPercent', () => {
  test('the lowest share over all buckets and scopes', () => {
    const report = parse({ 'Auth0-Client-Quota-Limit': DOCUMENTED_EXAMPLE, 'Auth0-Organization-Quota-Limit': 'b=per_day;q=200;r=150;t=60' });

    expect(lowestRemainingPercent(report)).toBe(70);
  });

  test('100 for untouched buckets, 0 for an exhausted one', () => {
    expect(lowestRemainingPercent(parse({ 'Auth0-Client-Quota-Limit': 'b=per_hour;q=10;r=10;t=1' }))).toBe(100);
    expect(lowestRemainingPercent(parse({ 'Auth0-Client-Quota-Limit': 'b=per_hour;q=10;r=10;t=1,b=per_day;q=10;r=0;t=1' }))).toBe(0);
  });

  test('a fraction is kept, not rounded', () => {
    expect(lowestRemainingPercent(parse({ 'Auth0-Client-Quota-Limit': 'b=per_day;q=3;r=1;t=1' }))).toBeCloseTo(33.333, 3);
  });

  test('undefined with no bucket, even when other headers are present', () => {
    expect(lowestRemainingPercent(parse({ 'X-RateLimit-Remaining': '0' }))).toBeUndefined();
  });

  test('a hand-built report with impossible buckets does not yield NaN, Infinity or a negative share', () => {
    const impossible: IssuerQuotaReport = {
      quotaBuckets: [
        { scope: 'client', bucket: 'zero', quota: 0, remaining: 0, resetSeconds: 0 },
        { scope: 'client', bucket: 'nan', quota: Number.NaN, remaining: 1, resetSeconds: 0 },
        { scope: 'client', bucket: 'negative', quota: 10, remaining: -1, resetSeconds: 0 },
        { scope: 'client', bucket: 'over', quota: 10, remaining: 11, resetSeconds: 0 },
      ],
    };

    expect(lowestRemainingPercent(impossible)).toBeUndefined();
  });
});

describe('never throws, always finite (random inputs)', () => {
  // Characters that matter to the grammar, plus digits, letters and latin-1 noise
  // (header values are ByteStrings: nothing above U+00FF, no CR, LF or NUL).
  const ALPHABET = 'bqrtBQRT=;,- _.+e0123456789xX\tGMTSunNov:é\u00ff';
  const TOKENS = ['b=', 'q=', 'r=', 't=', ';', ',', '-', '9007199254740993', '1e309', 'per_hour', 'per_day', ' '];

  function randomValue(random: () => number): string {
    const length = Math.floor(random() * 80);
    let value = '';
    for (let i = 0; i < length; i++) {
      value += random() < 0.3 ? TOKENS[Math.floor(random() * TOKENS.length)] : ALPHABET[Math.floor(random() * ALPHABET.length)];
    }
    return value;
  }

  /** A valid value with a few random edits: reaches the paths pure noise rarely does. */
  function mutatedValue(random: () => number, valid: string): string {
    let value = valid;
    const edits = Math.floor(random() * 4);
    for (let i = 0; i < edits; i++) {
      const at = Math.floor(random() * (value.length + 1));
      const cut = Math.floor(random() * 3);
      value = value.slice(0, at) + randomValue(random).slice(0, Math.floor(random() * 4)) + value.slice(at + cut);
    }
    return value;
  }

  test('2,000 random header sets', () => {
    const random = seededRandom(20_250_611);
    const valid: Record<string, string> = {
      'Auth0-Client-Quota-Limit': DOCUMENTED_EXAMPLE,
      'Auth0-Organization-Quota-Limit': 'b=per_hour;q=50;r=25;t=1800',
      'X-RateLimit-Limit': '30',
      'X-RateLimit-Remaining': '29',
      'X-RateLimit-Reset': '1800000001',
      'Retry-After': 'Fri, 15 Jan 2027 08:00:00 GMT',
    };
    let bucketsSeen = 0;
    let bucketsDropped = 0;

    for (let round = 0; round < 2000; round++) {
      const headers = new Headers();
      for (const [name, value] of Object.entries(valid)) {
        const roll = random();
        if (roll < 0.4) headers.append(name, mutatedValue(random, value));
        else if (roll < 0.7) headers.append(name, randomValue(random).trim());
      }
      const report = parseIssuerQuotaHeaders(headers, NOW_MS);
      expectSaneNumbers(report);
      bucketsSeen += report.quotaBuckets.length;
      if (headers.has('auth0-client-quota-limit') && report.quotaBuckets.every((b) => b.scope !== 'client')) bucketsDropped++;
    }
    // The generator must reach both outcomes, or the loop proves little.
    expect(bucketsSeen).toBeGreaterThan(100);
    expect(bucketsDropped).toBeGreaterThan(100);
  });

  test('random nowMs values, NaN and Infinity included, never leak into the report', () => {
    const random = seededRandom(7);
    const nows = [Number.NaN, Infinity, -Infinity, -1, 0, Number.MAX_SAFE_INTEGER, ...Array.from({ length: 20 }, () => random() * 1e16)];

    for (const nowMs of nows) {
      const report = parseIssuerQuotaHeaders(new Headers({ 'Retry-After': 'Sun, 06 Nov 1994 08:49:37 GMT', 'X-RateLimit-Reset': '1800000000' }), nowMs);
      expectSaneNumbers(report);
    }
  });
});
