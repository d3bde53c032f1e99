import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CostUsageError, parseCostArguments } from '../../../scripts/cost';
import { PATHS, type PathName } from '../../../scripts/cost/calls';
import { blockInPage, COSTS_PAGE, generatedBlocks } from '../../../scripts/cost/docs-blocks';
import { estimate } from '../../../scripts/cost/model';
import { comparison } from '../../../scripts/cost/report';
import { DEFAULT_TRAFFIC, monthlyTraffic } from '../../../scripts/cost/traffic';

// The cost model of docs/costs.md: its page says what `npm run cost` prints, and its traffic shape
// keeps the month's requests whole and moves the way the page says it does.
const ROOT = path.join(__dirname, '..', '..', '..');
const at = (requestsPerMonth: number, others: Partial<typeof DEFAULT_TRAFFIC> = {}) => estimate({ ...DEFAULT_TRAFFIC, ...others, requestsPerMonth });
const line = (result: ReturnType<typeof at>, service: string) =>
  result.items.filter((item) => item.service === service).reduce((sum, item) => sum + item.dollars, 0);

describe('docs/costs.md', () => {
  const page = readFileSync(COSTS_PAGE, 'utf8');

  it.each(Object.entries(generatedBlocks()))('holds the %s table exactly as the model makes it (npm run cost -- --update-docs writes it)', (name, block) => {
    expect(blockInPage(page, name)).toBe(block);
  });

  it('shows what `npm run cost` prints', () => {
    const printed = execFileSync(process.execPath, ['--import', 'tsx', path.join('scripts', 'cost.ts')], { cwd: ROOT, encoding: 'utf8' });
    expect(printed).toContain(comparison());
    expect(printed).toContain(blockInPage(page, 'comparison'));
  });
});

describe('the traffic shape', () => {
  it.each([1e4, 1e6, 1e7, 1e8])('gives each of %d requests exactly one path, never a negative count', (requests) => {
    const { paths } = monthlyTraffic({ ...DEFAULT_TRAFFIC, requestsPerMonth: requests });
    const requestPaths: PathName[] = ['memory', 'secretReread', 'cache', 'mint', 'earlyRefreshAdopt'];
    expect(requestPaths.reduce((sum, name) => sum + paths[name], 0)).toBeCloseTo(requests, 6);
    for (const name of Object.keys(PATHS) as PathName[]) expect([name, paths[name] >= 0]).toEqual([name, true]);
  });

  it('mints about 40 tokens a month per set with the 30-minute schedule, in scheduled runs only', () => {
    const traffic = monthlyTraffic({ ...DEFAULT_TRAFFIC, requestsPerMonth: 1e6, sets: 3 });
    expect(traffic.mints / 3).toBeCloseTo(40, 0);
    expect(traffic.paths.scheduledMint).toBeCloseTo(traffic.mints, 6);
    expect(traffic.paths.mint).toBe(0);
    expect(traffic.paths.scheduledCurrent + traffic.paths.scheduledMint).toBeCloseTo(traffic.scheduledRuns * 3, 6);
  });

  it('leaves the minting to callers without the schedule', () => {
    const traffic = monthlyTraffic({ ...DEFAULT_TRAFFIC, requestsPerMonth: 1e6, scheduleMinutes: 0 });
    expect([traffic.scheduledRuns, traffic.paths.scheduledMint]).toEqual([0, 0]);
    expect(traffic.paths.mint).toBeCloseTo(traffic.mints, 6);
  });
});

describe('the estimate', () => {
  it('grows with the requests, and costs less per request as they grow', () => {
    const totals = [1e4, 1e6, 1e7, 1e8].map((requests) => at(requests));
    for (let i = 1; i < totals.length; i += 1) {
      expect(totals[i]!.total).toBeGreaterThan(totals[i - 1]!.total);
      expect(totals[i]!.total / totals[i]!.inputs.requestsPerMonth).toBeLessThan(totals[i - 1]!.total / totals[i - 1]!.inputs.requestsPerMonth);
    }
  });

  it('costs nothing in API Gateway or X-Ray when every caller invokes the function', () => {
    const direct = at(1e8, { apiShare: 0 });
    expect([line(direct, 'API Gateway'), line(direct, 'X-Ray')]).toEqual([0, 0]);
    expect(direct.total).toBeLessThan(at(1e8).total / 2);
  });

  it('pays for a secret per credential set, and one alarm fewer without the schedule', () => {
    const secrets = (result: ReturnType<typeof at>) => result.items.find((item) => item.price === 'secretsManagerSecret')!.quantity;
    const alarms = (result: ReturnType<typeof at>) => result.items.find((item) => item.price === 'standardAlarm')!.quantity;
    expect(secrets(at(1e6, { sets: 4 }))).toBe(4);
    expect(alarms(at(1e6)) - alarms(at(1e6, { scheduleMinutes: 0 }))).toBe(1);
  });

  it('stores logs in proportion to the retention, and ingests the same', () => {
    const item = (days: number, price: string) => at(1e7, { logRetentionDays: days }).items.find((entry) => entry.price === price)!.dollars;
    expect(item(7, 'logsStorage') / item(28, 'logsStorage')).toBeCloseTo(0.25, 6);
    expect(item(7, 'logsIngestion')).toBe(item(28, 'logsIngestion'));
  });
});

describe('npm run cost arguments', () => {
  it('takes the defaults of the page, and numbers with underscores', () => {
    expect(parseCostArguments(['--requests-per-month', '1_000_000'])).toEqual({
      inputs: { requestsPerMonth: 1e6, ...DEFAULT_TRAFFIC },
      json: false,
      updateDocs: false,
    });
    expect(parseCostArguments([]).inputs.requestsPerMonth).toBeUndefined();
  });

  it.each([
    [['--requests-per-month', 'lots'], /--requests-per-month lots: give a whole number from 1/],
    [['--api-share', '30'], /--api-share 30: give a number from 0 to 1/],
    [['--sets', '0'], /--sets 0: give a whole number from 1 to 50/],
    [['--requests', '5'], /Unknown option '--requests'.*Options: --requests-per-month/],
  ])('refuses %j, saying what to give', (argv, message) => {
    expect(() => parseCostArguments(argv)).toThrow(CostUsageError);
    expect(() => parseCostArguments(argv)).toThrow(message);
  });
});
