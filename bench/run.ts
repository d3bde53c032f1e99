/**
 * `npm run bench [a] [b] [c]`: issuer requests and latency of the token vendor with many
 * containers, with the cross-container lease on and off, side by side. See README.
 */
import { startEnvironment } from './environment';
import { formatTable, type ScenarioResult } from './report';
import { coldBurst, expiryUnderLoad, killedHolder, type Mode } from './scenarios';

const SCENARIOS = { a: coldBurst, b: expiryUnderLoad, c: killedHolder };
const MODES: Mode[] = ['lease on', 'lease off'];

async function main(): Promise<void> {
  const chosen = process.argv.slice(2).filter((name): name is keyof typeof SCENARIOS => name in SCENARIOS);
  const names = chosen.length > 0 ? chosen : (Object.keys(SCENARIOS) as (keyof typeof SCENARIOS)[]);
  const env = await startEnvironment();
  const results: ScenarioResult[] = [];
  try {
    for (const name of names) {
      for (const mode of MODES) {
        process.stderr.write(`running scenario ${name}, ${mode}...\n`);
        results.push(await SCENARIOS[name](env, mode));
      }
    }
  } finally {
    await env.close();
  }
  console.log('\nWLL stand-in delay 150 ms per request; latency cells: count @ p50/p99 ms.\n');
  console.log(formatTable(results));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
