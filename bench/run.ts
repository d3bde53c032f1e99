/**
 * `npm run bench [a] [b] [c] [d] [e] [freeze|no-freeze] [lease-on|lease-off]`: issuer
 * requests, wasted tokens, back-offs and latency of the token vendor with many
 * containers, with the cross-container lease on and off and containers frozen between
 * invocations or not, side by side; writes docs/bench/<scenario>.svg.
 * `npm run bench -- cold [variants] [instructions] [rounds=N]`: what a new container costs
 * (cold-start-scenario.ts). Without a scenario named, all of them. See docs/benchmark.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { coldStartOptions, coldStartScenario, isColdStartArgument } from './cold-start-scenario';
import { ISSUER_DELAY_MS, startEnvironment } from './environment';
import { formatTable, wastedTokens, type ScenarioResult } from './report';
import {
  coldBurst,
  expiryUnderLoad,
  killedHolder,
  modeLabel,
  sparseTraffic,
  sparseTrafficDefaultRatio,
  type Mode,
} from './scenarios';
import { renderTimeline, type TimelinePanel } from './timeline-svg';
import type { BenchEnvironment } from './environment';

const EVERY_MODE: Mode[] = [
  { lease: true, freeze: false },
  { lease: false, freeze: false },
  { lease: true, freeze: true },
  { lease: false, freeze: true },
];

interface Scenario {
  readonly run: (env: BenchEnvironment, mode: Mode) => Promise<ScenarioResult>;
  readonly modes: readonly Mode[];
  /** File name under docs/bench/ for the picture of this scenario over time. */
  readonly picture?: string;
}

const SCENARIOS: Record<string, Scenario> = {
  a: { run: coldBurst, modes: EVERY_MODE },
  b: { run: expiryUnderLoad, modes: EVERY_MODE, picture: 'expiry-under-load.svg' },
  c: { run: killedHolder, modes: EVERY_MODE },
  // Frozen is how standard Lambda runs it, and the point of this scenario.
  d: {
    run: sparseTraffic,
    modes: [
      { lease: true, freeze: true },
      { lease: true, freeze: false },
      { lease: false, freeze: true },
    ],
    picture: 'sparse-traffic.svg',
  },
  e: { run: sparseTrafficDefaultRatio, modes: [{ lease: true, freeze: true }], picture: 'sparse-traffic-default-ratio.svg' },
};

const MODE_FILTERS: Record<string, (mode: Mode) => boolean> = {
  freeze: (m) => m.freeze,
  'no-freeze': (m) => !m.freeze,
  'lease-on': (m) => m.lease,
  'lease-off': (m) => !m.lease,
};

/** The cold-start scenario: its own stand, its own report (cold-start-scenario.ts). */
const COLD = 'cold';

const PICTURES_DIR = path.join(__dirname, '..', 'docs', 'bench');

async function main(): Promise<void> {
  // The orchestrator's own SDK client (creating tables) would warn about Node 20 on every run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const args = process.argv.slice(2);
  const unknown = args.filter((arg) => !(arg in SCENARIOS) && !(arg in MODE_FILTERS) && arg !== COLD && !isColdStartArgument(arg));
  if (unknown.length > 0) {
    throw new Error(
      `Unknown argument(s) ${unknown.join(', ')}: give scenario letters (${Object.keys(SCENARIOS).join(', ')}) and optionally ${Object.keys(MODE_FILTERS).join(', ')}, ` +
        `or ${COLD} and optionally variants, instructions, rounds=N.`,
    );
  }
  const chosen = args.filter((arg) => arg in SCENARIOS);
  const everything = chosen.length === 0 && !args.includes(COLD);
  const names = everything ? Object.keys(SCENARIOS) : chosen;
  const filters = args.filter((arg) => arg in MODE_FILTERS).map((arg) => MODE_FILTERS[arg]!);
  const startedAt = Date.now();
  if (everything || args.includes(COLD)) await coldStartScenario(coldStartOptions(args));
  if (names.length === 0) return;
  const env = await startEnvironment();
  const results: ScenarioResult[] = [];
  try {
    for (const name of names) {
      const scenario = SCENARIOS[name]!;
      const scenarioResults: ScenarioResult[] = [];
      for (const mode of scenario.modes.filter((m) => filters.every((keep) => keep(m)))) {
        process.stderr.write(`running scenario ${name}, ${modeLabel(mode)}...\n`);
        const modeStartedAt = Date.now();
        const result = await scenario.run(env, mode);
        process.stderr.write(`  done in ${((Date.now() - modeStartedAt) / 1000).toFixed(1)} s\n`);
        scenarioResults.push(result);
      }
      if (scenario.picture && scenarioResults.length > 0) writePicture(scenario.picture, scenarioResults);
      results.push(...scenarioResults);
    }
  } finally {
    await env.close();
  }
  console.log(`\nWLL stand-in delay ${ISSUER_DELAY_MS} ms per request; latency cells: count @ p50/p99 ms.\n`);
  console.log(formatTable(results));
  console.log(`\nWhole run: ${((Date.now() - startedAt) / 1000).toFixed(0)} s.`);
}

function writePicture(fileName: string, results: readonly ScenarioResult[]): void {
  const panels = results.map(toPanel);
  mkdirSync(PICTURES_DIR, { recursive: true });
  const file = path.join(PICTURES_DIR, fileName);
  writeFileSync(file, renderTimeline(results[0]!.scenario, panels));
  process.stderr.write(`  picture: ${path.relative(process.cwd(), file)}\n`);
}

function toPanel(result: ScenarioResult): TimelinePanel {
  const wasted = new Set(wastedTokens(result));
  const failed = result.records.filter((r) => !r.ok).length;
  return {
    title: `${result.mode}: ${result.shape}`,
    summary: `${result.records.length} calls, ${failed} failed, ${result.issuerRequests} issuer request(s), ${wasted.size} wasted, ${result.observed.backoffs.length} back-off(s); ${result.note ?? ''}`,
    startMs: result.window.startMs,
    endMs: result.window.endMs,
    calls: result.records.map((r) => ({ at: r.startedAt, source: r.source, latencyMs: r.latencyMs })),
    issuerRequests: result.observed.issuerRequests,
    tokens: result.observed.minted.map((t) => ({ issuedAtMs: t.issuedAtMs, expiresAtMs: t.expiresAtMs, wasted: wasted.has(t.tokenSha256) })),
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
