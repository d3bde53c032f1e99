/**
 * `npm run cost`: what a month of the token vendor costs, from the AWS calls the function really
 * makes (scripts/cost/). Without --requests-per-month it prints the table of docs/costs.md.
 *
 *   npm run cost -- --requests-per-month 1000000 [--api-share 0.3] [--sets 1] [--memory-mb 256]
 *                   [--schedule-minutes 30] [--log-retention-days 30] [--json]
 *   npm run cost -- --update-docs    writes the generated tables of docs/costs.md again
 */
import { parseArgs } from 'node:util';
import { updateCostsPage } from './cost/docs-blocks';
import { estimate } from './cost/model';
import { breakdown, comparison, describeInputs } from './cost/report';
import { DEFAULT_TRAFFIC, type TrafficInputs } from './cost/traffic';

/** A command line that cannot be priced; the message says what to give. */
export class CostUsageError extends Error {
  override readonly name = 'CostUsageError';
}

const NUMBERS = {
  'requests-per-month': { min: 1, max: 1e12, integer: true },
  'api-share': { min: 0, max: 1, integer: false },
  sets: { min: 1, max: 50, integer: true },
  'memory-mb': { min: 128, max: 10_240, integer: true },
  'schedule-minutes': { min: 0, max: 1_440, integer: true },
  'log-retention-days': { min: 1, max: 3_653, integer: true },
} as const;

/** The inputs of a command line, checked; `requestsPerMonth` undefined asks for the comparison table. */
export function parseCostArguments(argv: readonly string[]): {
  inputs: Omit<TrafficInputs, 'requestsPerMonth'> & { requestsPerMonth?: number };
  json: boolean;
  updateDocs: boolean;
} {
  const options = {
    'requests-per-month': { type: 'string' },
    'api-share': { type: 'string' },
    sets: { type: 'string' },
    'memory-mb': { type: 'string' },
    'schedule-minutes': { type: 'string' },
    'log-retention-days': { type: 'string' },
    json: { type: 'boolean' },
    'update-docs': { type: 'boolean' },
  } as const;
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new CostUsageError(`${(error as Error).message}. Options: ${Object.keys(NUMBERS).map((name) => `--${name}`).join(', ')}, --json, --update-docs.`);
  }
  const number = (name: keyof typeof NUMBERS): number | undefined => {
    const text = parsed.values[name];
    if (text === undefined) return undefined;
    const { min, max, integer } = NUMBERS[name];
    const value = Number(text.replace(/_/g, ''));
    if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      throw new CostUsageError(`--${name} ${text}: give ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}.`);
    }
    return value;
  };
  return {
    inputs: {
      requestsPerMonth: number('requests-per-month'),
      apiShare: number('api-share') ?? DEFAULT_TRAFFIC.apiShare,
      sets: number('sets') ?? DEFAULT_TRAFFIC.sets,
      memoryMb: number('memory-mb') ?? DEFAULT_TRAFFIC.memoryMb,
      scheduleMinutes: number('schedule-minutes') ?? DEFAULT_TRAFFIC.scheduleMinutes,
      logRetentionDays: number('log-retention-days') ?? DEFAULT_TRAFFIC.logRetentionDays,
    },
    json: parsed.values.json === true,
    updateDocs: parsed.values['update-docs'] === true,
  };
}

function main(): void {
  const { inputs, json, updateDocs } = parseCostArguments(process.argv.slice(2));
  if (updateDocs) {
    updateCostsPage();
    console.log('docs/costs.md: generated tables written');
    return;
  }
  const { requestsPerMonth, ...others } = inputs;
  if (requestsPerMonth === undefined) {
    console.log(`${describeInputs({ ...others, requestsPerMonth: 0 }).replace(/^0 token requests a month, /, 'Token requests a month: ')}\n`);
    console.log(comparison(others));
    return;
  }
  const result = estimate({ ...others, requestsPerMonth });
  console.log(json ? JSON.stringify(result, null, 2) : breakdown(result));
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    if (!(error instanceof CostUsageError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}
