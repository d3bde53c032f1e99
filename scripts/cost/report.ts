/**
 * The cost model as Markdown tables: one deployment's bill line by line, and the monthly total at
 * several volumes side by side (the table docs/costs.md holds; a test keeps the two equal).
 */
import { PATHS, type PathName, requestUnits } from './calls';
import { type CostEstimate, estimate, type LineItem } from './model';
import { type PriceName, PRICE_REGION, PRICES, PRICES_READ_ON } from './prices';
import { DEFAULT_TRAFFIC, DURATION_MS, LOG_BYTES, type TrafficInputs } from './traffic';

/** The volumes docs/costs.md compares: token requests that reach the function in a month. */
export const VOLUMES = [10_000, 1_000_000, 10_000_000, 100_000_000] as const;

const dollars = (value: number): string => (value > 0 && value < 0.005 ? '<$0.01' : `$${value.toFixed(2)}`);

/** 1,234 / 12.3k / 4.5M, for quantities in a table. */
function quantity(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(value >= 1e7 ? 0 : 1)}M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(0)}k`;
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(3)).toString();
}

function unitPrice(line: Pick<LineItem, 'price'>): string {
  const price = PRICES[line.price];
  const per = price.per === 1 ? '' : price.per >= 1e6 ? `${price.per / 1e6}M ` : `${price.per.toLocaleString('en-US')} `;
  return `$${price.dollars} per ${per}${price.unit}`;
}

/** What the estimate assumes, in one line. */
export function describeInputs(inputs: TrafficInputs): string {
  const schedule = inputs.scheduleMinutes > 0 ? `scheduled refresh every ${inputs.scheduleMinutes} min` : 'no scheduled refresh';
  return (
    `${inputs.requestsPerMonth.toLocaleString('en-US')} token requests a month, ${Math.round(inputs.apiShare * 100)} % through the API, ` +
    `${inputs.sets} credential set${inputs.sets === 1 ? '' : 's'}, ${inputs.memoryMb} MB, ${schedule}, ${inputs.logRetentionDays}-day log retention; ` +
    `${PRICE_REGION} list prices read ${PRICES_READ_ON}, no free tier`
  );
}

/** One deployment's month, line by line. */
export function breakdown(result: CostEstimate): string {
  const rows = result.items.map((line) => `| ${line.service} | ${line.what} | ${quantity(line.quantity)} | ${unitPrice(line)} | ${dollars(line.dollars)} |`);
  const { traffic } = result;
  return [
    describeInputs(result.inputs),
    '',
    '| service | what | quantity | price | per month |',
    '|---|---|---:|---|---:|',
    ...rows,
    `| **total** | | | | **${dollars(result.total)}** |`,
    '',
    `Traffic: ${quantity(traffic.invocations)} invocations (${quantity(traffic.scheduledRuns)} scheduled runs), ` +
      `${quantity(traffic.coldStarts)} cold starts over about ${traffic.environments} warm environment${traffic.environments === 1 ? '' : 's'}, ` +
      `${quantity(traffic.mints)} tokens minted, ${quantity(traffic.paths.memory + traffic.paths.secretReread)} answers from memory.`,
  ].join('\n');
}

/** The monthly bill by service at each of `volumes`, with the same other inputs. */
export function comparison(others: Omit<TrafficInputs, 'requestsPerMonth'> = DEFAULT_TRAFFIC, volumes: readonly number[] = VOLUMES): string {
  const results = volumes.map((requestsPerMonth) => estimate({ ...others, requestsPerMonth }));
  const services = [...new Set(results[0]!.items.map((line) => line.service))];
  const byService = (result: CostEstimate, service: string): number =>
    result.items.filter((line) => line.service === service).reduce((sum, line) => sum + line.dollars, 0);
  const header = `| per month | ${volumes.map((volume) => quantity(volume)).join(' | ')} |`;
  return [
    header,
    `|---|${volumes.map(() => '---:').join('|')}|`,
    ...services.map((service) => `| ${service} | ${results.map((result) => dollars(byService(result, service))).join(' | ')} |`),
    `| **total** | ${results.map((result) => `**${dollars(result.total)}**`).join(' | ')} |`,
    `| per million requests | ${results.map((result) => dollars(result.total / (result.inputs.requestsPerMonth / 1e6))).join(' | ')} |`,
  ].join('\n');
}

/** Each path's calls (scripts/cost/calls.ts), as the test counts them on the real handler. */
export function pathsTable(): string {
  const rows = (Object.keys(PATHS) as PathName[]).map((name) => {
    const path = PATHS[name];
    const count = (operation: string) => path.table.filter((call) => call.operation === operation).length;
    const { read, write } = requestUnits(path);
    return (
      `| ${name} | ${count('GetItem')} | ${count('PutItem')} | ${count('UpdateItem')} | ${read} / ${write} | ${path.getSecretValue} | ` +
      `${path.issuerRequests} | ${path.metrics.join(', ')} | ${LOG_BYTES[name]} | ${DURATION_MS[name]} |`
    );
  });
  return [
    '| path | GetItem | PutItem | UpdateItem | read / write units | GetSecretValue | WLL requests | metrics published | log bytes | ms (assumed) |',
    '|---|---:|---:|---:|---:|---:|---:|---|---:|---:|',
    ...rows,
  ].join('\n');
}

/** Every price the model uses, with its page. */
export function pricesTable(): string {
  const rows = (Object.keys(PRICES) as PriceName[]).map((name) => `| ${name} | ${unitPrice({ price: name })} | ${PRICES[name].source} | ${PRICES[name].seenIn} |`);
  return [`| price (${PRICE_REGION}, read ${PRICES_READ_ON}) | value | pricing page | figure seen in |`, '|---|---|---|---|', ...rows].join('\n');
}
