/**
 * The AWS calls the function makes on each of its paths, one credential set and one audience:
 * what the cost model multiplies by prices. Counted, not guessed: a test runs the real handler
 * against DynamoDB Local and the stand-ins through each path and compares its counts with these
 * (test/integration/cost-model-calls.test.ts), so the model cannot drift from the code.
 */

/** One DynamoDB call: operation, which item it touches, and the request units it is billed. */
export interface TableCall {
  readonly operation: 'GetItem' | 'PutItem' | 'UpdateItem';
  /** `token`: a sealed token; `lease`: the lease, back-off and refusal item; `mints`: the month's mint count. */
  readonly item: 'token' | 'lease' | 'mints';
  /**
   * Read request units (strongly consistent reads: 1 per 4 KB) or write request units (1 per KB).
   * A token item with a WLL token (a JWT of about 900 characters, sealed: about 1.4 KB) takes 2 to
   * write; every other item stays under 1 KB.
   */
  readonly units: number;
}

/** What one pass through a path costs in calls, and the custom metrics it publishes (embedded metric format). */
export interface PathCalls {
  readonly table: readonly TableCall[];
  readonly getSecretValue: number;
  readonly issuerRequests: number;
  /** Metric names, sorted; each is a custom metric per dimension set (`service`, and with sets `service` + `credentialSet`). */
  readonly metrics: readonly string[];
}

const get = (item: TableCall['item']): TableCall => ({ operation: 'GetItem', item, units: 1 });
const update = (item: TableCall['item']): TableCall => ({ operation: 'UpdateItem', item, units: 1 });
/** The write of a WLL-sized token item: 2 write units (the test's stand-in tokens are smaller: 1). */
export const TOKEN_WRITE_UNITS = 2;
const putToken: TableCall = { operation: 'PutItem', item: 'token', units: TOKEN_WRITE_UNITS };

/**
 * A mint under the lease: take the lease, look at the table once more (the previous holder may
 * have just stored one), ask WLL, store the sealed token, count the mint, let go of the lease.
 */
const MINT: readonly TableCall[] = [update('lease'), get('token'), putToken, update('mints'), update('lease')];
/** What a mint publishes (besides ServedFromIssuer when a caller gets the new token). */
const MINT_METRICS = ['IssuerLatency', 'IssuerRequests', 'TokensMinted', 'TokensMintedThisMonth', 'TokensMintedToday'];

/** The paths a request, or a scheduled run, takes through the function. */
export const PATHS = {
  /** A warm environment answers from its memory: no AWS call at all. */
  memory: { table: [], getSecretValue: 0, issuerRequests: 0, metrics: ['ServedFromMemory'] },
  /** A warm environment whose copy of the secret is older than 5 minutes reads it again, then answers from memory. */
  secretReread: { table: [], getSecretValue: 1, issuerRequests: 0, metrics: ['ServedFromMemory'] },
  /** A new environment: reads the secret and finds the token in the table. */
  cache: { table: [get('token')], getSecretValue: 1, issuerRequests: 0, metrics: ['ServedFromCache'] },
  /** A new environment and no token anywhere: reads the secret, misses the table, mints. */
  mint: { table: [get('token'), ...MINT], getSecretValue: 1, issuerRequests: 1, metrics: [...MINT_METRICS, 'ServedFromIssuer'].sort() },
  /**
   * A warm environment whose token entered its own refresh window (the last quarter of its life)
   * finds the newer token the schedule stored: one read, no lease, no mint.
   */
  earlyRefreshAdopt: { table: [get('token')], getSecretValue: 0, issuerRequests: 0, metrics: ['ServedFromCache'] },
  /**
   * A scheduled run, per credential set, when the token is not due: the secret (runs are further
   * apart than the 5 minutes a copy is kept), the token, then the month's count for the metric.
   */
  scheduledCurrent: { table: [get('token'), get('mints')], getSecretValue: 1, issuerRequests: 0, metrics: ['TokensMintedThisMonth', 'TokensMintedToday'] },
  /** A scheduled run, per credential set, when the token is due (or missing): it mints under the lease, then reads the count. */
  scheduledMint: { table: [get('token'), ...MINT, get('mints')], getSecretValue: 1, issuerRequests: 1, metrics: MINT_METRICS },
} as const satisfies Record<string, PathCalls>;

export type PathName = keyof typeof PATHS;

/** Read and write request units of one pass through `path`. */
export function requestUnits(path: PathCalls): { read: number; write: number } {
  const units = (operations: readonly string[]) =>
    path.table.filter((call) => operations.includes(call.operation)).reduce((sum, call) => sum + call.units, 0);
  return { read: units(['GetItem']), write: units(['PutItem', 'UpdateItem']) };
}
