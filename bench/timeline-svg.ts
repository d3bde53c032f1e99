import type { Source } from './protocol';
import { percentile } from './report';

/** One invocation, placed by when it started. */
export interface TimelineCall {
  readonly at: number;
  readonly source: Source;
  readonly latencyMs: number;
}

/** One token the issuer minted: its life, and whether it was thrown away. */
export interface TimelineToken {
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
  readonly wasted: boolean;
}

/** One scenario run in one mode, over its measured window (epoch ms). */
export interface TimelinePanel {
  readonly title: string;
  readonly summary: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly calls: readonly TimelineCall[];
  readonly issuerRequests: readonly number[];
  readonly tokens: readonly TimelineToken[];
}

/** Sources in stacking order, bottom up, with their colours. */
export const DRAWN_SOURCES = ['memory', 'cache', 'waited', 'issuer', 'error'] as const;
type DrawnSource = (typeof DRAWN_SOURCES)[number];
const COLOURS: Record<DrawnSource, string> = { memory: '#4e79a7', cache: '#59a14f', waited: '#edc948', issuer: '#f28e2b', error: '#e15759' };
const ISSUER_REQUEST_COLOUR = '#7b1e3a';
const TOKEN_COLOUR = '#9a9a9a';

export interface Bucket {
  readonly startMs: number;
  readonly counts: Record<DrawnSource, number>;
  /** p99 latency (ms) of each source with calls in the bucket. */
  readonly p99: Partial<Record<DrawnSource, number>>;
}

/** Cuts the window into buckets of `bucketMs` and counts calls by source, with p99 latency per source. */
export function bucketize(panel: Pick<TimelinePanel, 'startMs' | 'endMs' | 'calls'>, bucketMs: number): Bucket[] {
  const count = Math.max(1, Math.ceil((panel.endMs - panel.startMs) / bucketMs));
  const latencies = Array.from({ length: count }, () => new Map<DrawnSource, number[]>());
  for (const call of panel.calls) {
    const index = Math.min(count - 1, Math.max(0, Math.floor((call.at - panel.startMs) / bucketMs)));
    const source: DrawnSource = (DRAWN_SOURCES as readonly string[]).includes(call.source) ? (call.source as DrawnSource) : 'error';
    const bySource = latencies[index]!;
    bySource.set(source, [...(bySource.get(source) ?? []), call.latencyMs]);
  }
  return latencies.map((bySource, i) => {
    const counts = Object.fromEntries(DRAWN_SOURCES.map((s) => [s, bySource.get(s)?.length ?? 0])) as Record<DrawnSource, number>;
    const p99 = Object.fromEntries([...bySource].map(([s, values]) => [s, percentile(values, 99)]));
    return { startMs: panel.startMs + i * bucketMs, counts, p99 };
  });
}

/** The smallest of a few round bucket sizes that cuts `durationMs` into at most `maxBuckets`. */
export function bucketSize(durationMs: number, maxBuckets = 60): number {
  const sizes = [100, 250, 500, 1_000, 2_000, 2_500, 5_000, 10_000, 30_000, 60_000];
  return sizes.find((size) => durationMs / size <= maxBuckets) ?? sizes[sizes.length - 1]!;
}

const WIDTH = 960;
const LEFT = 80;
const RIGHT = 20;
const HEADER = 56;
const PANEL_HEIGHT = 312;
/** Vertical layout inside a panel. */
const BARS = { top: 44, height: 100 };
const LATENCY = { top: 156, height: 80, minMs: 0.1, maxMs: 10_000 };
const TOKENS = { top: 246, height: 28, maxLane: 8, gap: 1 };
const AXIS_Y = 282;

/**
 * An SVG, one panel per mode: calls per time bucket stacked by source, p99 latency per
 * bucket and source (log scale), every issuer request as a mark on the time axis, and
 * the life of every token minted (red: minted and thrown away).
 */
export function renderTimeline(title: string, panels: readonly TimelinePanel[]): string {
  const height = HEADER + panels.length * PANEL_HEIGHT + 10;
  const legend = [
    ...DRAWN_SOURCES.map((s, i) => `<rect x="${LEFT + i * 90}" y="34" width="10" height="10" fill="${COLOURS[s]}"/><text x="${LEFT + i * 90 + 14}" y="43">${s}</text>`),
    `<line x1="${LEFT + 460}" y1="32" x2="${LEFT + 460}" y2="46" stroke="${ISSUER_REQUEST_COLOUR}" stroke-width="2"/><text x="${LEFT + 466}" y="43">issuer request</text>`,
    `<rect x="${LEFT + 570}" y="36" width="24" height="6" fill="${TOKEN_COLOUR}"/><text x="${LEFT + 598}" y="43">token life</text>`,
    `<rect x="${LEFT + 670}" y="36" width="24" height="6" fill="${COLOURS.error}"/><text x="${LEFT + 698}" y="43">wasted token</text>`,
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="20" font-size="14" font-weight="bold">${escape(title)}</text>`,
    ...legend,
    ...panels.map((panel, i) => renderPanel(panel, HEADER + i * PANEL_HEIGHT)),
    '</svg>',
    '',
  ].join('\n');
}

function renderPanel(panel: TimelinePanel, top: number): string {
  const span = Math.max(1, panel.endMs - panel.startMs);
  const plotWidth = WIDTH - LEFT - RIGHT;
  const x = (ms: number) => LEFT + ((ms - panel.startMs) / span) * plotWidth;
  const inWindow = (ms: number) => ms >= panel.startMs && ms <= panel.endMs;
  const bucketMs = bucketSize(span);
  const buckets = bucketize(panel, bucketMs);
  const parts: string[] = [
    `<text x="${LEFT}" y="16" font-size="12" font-weight="bold">${escape(panel.title)}</text>`,
    `<text x="${LEFT}" y="32">${escape(panel.summary)} (buckets of ${seconds(bucketMs)} s)</text>`,
  ];

  // Calls per bucket, stacked by source.
  const most = Math.max(1, ...buckets.map((b) => DRAWN_SOURCES.reduce((sum, s) => sum + b.counts[s], 0)));
  const barWidth = Math.max(1, (bucketMs / span) * plotWidth - 1);
  for (const bucket of buckets) {
    let base = BARS.top + BARS.height;
    for (const source of DRAWN_SOURCES) {
      const h = (bucket.counts[source] / most) * BARS.height;
      if (h === 0) continue;
      base -= h;
      parts.push(`<rect class="calls ${source}" x="${fixed(x(bucket.startMs))}" y="${fixed(base)}" width="${fixed(barWidth)}" height="${fixed(h)}" fill="${COLOURS[source]}"/>`);
    }
  }
  parts.push(axisLabel(BARS.top + 4, `${most} calls`), axisLabel(BARS.top + BARS.height, '0'), sideLabel(BARS.top + BARS.height / 2, 'calls'));

  // p99 latency per bucket and source, log scale.
  const decades = Math.log10(LATENCY.maxMs / LATENCY.minMs);
  const y = (ms: number) => {
    const clamped = Math.min(LATENCY.maxMs, Math.max(LATENCY.minMs, ms));
    return LATENCY.top + LATENCY.height - (Math.log10(clamped / LATENCY.minMs) / decades) * LATENCY.height;
  };
  for (const tick of [1, 10, 100, 1_000, 10_000]) {
    parts.push(`<line x1="${LEFT}" y1="${fixed(y(tick))}" x2="${WIDTH - RIGHT}" y2="${fixed(y(tick))}" stroke="#e4e4e4"/>`);
    parts.push(axisLabel(y(tick) + 4, tick >= 1_000 ? `${tick / 1_000} s` : `${tick} ms`));
  }
  parts.push(sideLabel(LATENCY.top + LATENCY.height / 2, 'p99 latency'));
  for (const bucket of buckets) {
    for (const source of DRAWN_SOURCES) {
      const p99 = bucket.p99[source];
      if (p99 === undefined) continue;
      parts.push(`<circle class="latency ${source}" cx="${fixed(x(bucket.startMs + bucketMs / 2))}" cy="${fixed(y(p99))}" r="3" fill="${COLOURS[source]}"/>`);
    }
  }

  // Every token minted: from its issue to its expiry, clipped to the window, overlapping lives on separate lanes.
  const tokens = panel.tokens.filter((t) => t.expiresAtMs >= panel.startMs && t.issuedAtMs <= panel.endMs);
  const lanes = tokenLanes(tokens);
  const laneCount = Math.max(1, ...lanes.map((lane) => lane + 1));
  const laneHeight = Math.max(1, Math.min(TOKENS.maxLane, TOKENS.height / laneCount - TOKENS.gap));
  tokens.forEach((token, i) => {
    const from = x(Math.max(panel.startMs, token.issuedAtMs));
    const to = x(Math.min(panel.endMs, token.expiresAtMs));
    const laneY = TOKENS.top + lanes[i]! * (laneHeight + TOKENS.gap);
    const fill = token.wasted ? COLOURS.error : TOKEN_COLOUR;
    parts.push(
      `<rect class="token${token.wasted ? ' wasted' : ''}" x="${fixed(from)}" y="${fixed(laneY)}" width="${fixed(Math.max(1, to - from))}" height="${fixed(laneHeight)}" fill="${fill}"/>`,
    );
  });
  parts.push(sideLabel(TOKENS.top + TOKENS.height / 2, 'tokens'));

  // Issuer requests, over everything else.
  for (const at of panel.issuerRequests.filter(inWindow)) {
    const mark = fixed(x(at));
    parts.push(
      `<line class="issuer-request" x1="${mark}" y1="${BARS.top - 4}" x2="${mark}" y2="${AXIS_Y}" stroke="${ISSUER_REQUEST_COLOUR}" stroke-width="1.5" stroke-dasharray="4 2"/>`,
    );
  }

  // Time axis, in seconds since the window opened.
  parts.push(`<line x1="${LEFT}" y1="${AXIS_Y}" x2="${WIDTH - RIGHT}" y2="${AXIS_Y}" stroke="#333"/>`);
  const step = [1, 2, 5, 10, 20, 30, 60, 120].find((s) => span / 1000 / s <= 12) ?? 300;
  for (let s = 0; s * 1000 <= span; s += step) {
    parts.push(`<line x1="${fixed(x(panel.startMs + s * 1000))}" y1="${AXIS_Y}" x2="${fixed(x(panel.startMs + s * 1000))}" y2="${AXIS_Y + 4}" stroke="#333"/>`);
    parts.push(`<text x="${fixed(x(panel.startMs + s * 1000))}" y="${AXIS_Y + 16}" text-anchor="middle">${s} s</text>`);
  }
  return `<g transform="translate(0 ${top})">\n${parts.join('\n')}\n</g>`;
}

/**
 * The lane of each token (in minting order): the first lane free when it was issued, so
 * tokens that live at the same time are stacked rather than drawn over each other.
 */
export function tokenLanes(tokens: readonly Pick<TimelineToken, 'issuedAtMs' | 'expiresAtMs'>[]): number[] {
  const busyUntil: number[] = [];
  return tokens.map((token) => {
    let lane = busyUntil.findIndex((end) => end <= token.issuedAtMs);
    if (lane === -1) lane = busyUntil.push(0) - 1;
    busyUntil[lane] = token.expiresAtMs;
    return lane;
  });
}

function axisLabel(yPos: number, text: string): string {
  return `<text x="${LEFT - 6}" y="${fixed(yPos)}" text-anchor="end" fill="#555">${escape(text)}</text>`;
}

/** A strip's name, written upwards at the left edge. */
function sideLabel(yPos: number, text: string): string {
  return `<text transform="translate(16 ${fixed(yPos)}) rotate(-90)" text-anchor="middle" fill="#555" font-size="10" font-weight="bold">${escape(text)}</text>`;
}

function fixed(value: number): string {
  return value.toFixed(1);
}

function seconds(ms: number): string {
  return String(ms / 1000);
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
