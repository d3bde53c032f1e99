import { bucketize, bucketSize, renderTimeline, tokenLanes, type TimelinePanel } from '../../../bench/timeline-svg';

const START = 1_700_000_000_000;

function panel(overrides: Partial<TimelinePanel> = {}): TimelinePanel {
  return {
    title: 'lease on, freeze',
    summary: '4 calls',
    startMs: START,
    endMs: START + 10_000,
    calls: [],
    issuerRequests: [],
    tokens: [],
    ...overrides,
  };
}

describe('bench timeline: buckets', () => {
  it('counts calls by source in the bucket they started in, with p99 latency per source', () => {
    const buckets = bucketize(
      panel({
        calls: [
          { at: START + 100, source: 'issuer', latencyMs: 300 },
          { at: START + 900, source: 'memory', latencyMs: 1 },
          { at: START + 1_000, source: 'memory', latencyMs: 2 },
          { at: START + 1_500, source: 'memory', latencyMs: 4 },
          { at: START + 9_999, source: 'unknown', latencyMs: 7 },
        ],
      }),
      1_000,
    );

    expect(buckets).toHaveLength(10);
    expect(buckets[0]!.counts).toEqual({ memory: 1, cache: 0, waited: 0, issuer: 1, error: 0 });
    expect(buckets[0]!.p99).toEqual({ issuer: 300, memory: 1 });
    expect(buckets[1]!.startMs).toBe(START + 1_000);
    expect(buckets[1]!.counts.memory).toBe(2);
    expect(buckets[1]!.p99.memory).toBe(4);
    // An answer of no known source is drawn as a failure, not dropped.
    expect(buckets[9]!.counts.error).toBe(1);
  });

  it('keeps calls at the window edges in the first and last bucket', () => {
    const buckets = bucketize(panel({ calls: [{ at: START - 5, source: 'cache', latencyMs: 10 }, { at: START + 10_000, source: 'cache', latencyMs: 10 }] }), 2_500);

    expect(buckets).toHaveLength(4);
    expect(buckets[0]!.counts.cache).toBe(1);
    expect(buckets[3]!.counts.cache).toBe(1);
  });

  it('picks a round bucket size giving at most 60 buckets', () => {
    expect(bucketSize(21_000)).toBe(500);
    expect(bucketSize(100_000)).toBe(2_000);
    expect(bucketSize(3_000)).toBe(100);
  });
});

describe('bench timeline: token lanes', () => {
  it('stacks tokens that live at the same time and reuses a lane once its token expired', () => {
    const lanes = tokenLanes([
      { issuedAtMs: 0, expiresAtMs: 40_000 },
      { issuedAtMs: 10_000, expiresAtMs: 50_000 },
      { issuedAtMs: 40_000, expiresAtMs: 80_000 },
      { issuedAtMs: 45_000, expiresAtMs: 85_000 },
    ]);

    expect(lanes).toEqual([0, 1, 0, 2]);
  });
});

describe('bench timeline: the SVG', () => {
  it('marks every issuer request in the window once, and draws wasted tokens apart', () => {
    const svg = renderTimeline('(d) sparse & <traffic>', [
      panel({
        calls: [{ at: START + 100, source: 'issuer', latencyMs: 250 }],
        issuerRequests: [START + 50, START + 6_000, START + 20_000],
        tokens: [
          { issuedAtMs: START, expiresAtMs: START + 40_000, wasted: false },
          { issuedAtMs: START + 6_000, expiresAtMs: START + 46_000, wasted: true },
        ],
      }),
      panel({ title: 'lease off, freeze', issuerRequests: [START + 1_000] }),
    ]);

    expect(svg.match(/class="issuer-request"/g)).toHaveLength(3);
    expect(svg.match(/class="token wasted"/g)).toHaveLength(1);
    expect(svg.match(/class="token"/g)).toHaveLength(1);
    expect(svg.match(/class="calls issuer"/g)).toHaveLength(1);
    expect(svg).toContain('(d) sparse &amp; &lt;traffic&gt;');
  });

  it('is one well-formed document: every group closed, numbers finite', () => {
    const svg = renderTimeline('t', [panel(), panel({ calls: [{ at: START, source: 'memory', latencyMs: 0 }] })]);

    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<g /g)).toHaveLength(2);
    expect(svg.match(/<\/g>/g)).toHaveLength(2);
    expect(svg).not.toMatch(/NaN|Infinity/);
  });
});
