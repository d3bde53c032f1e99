import { Readable } from 'node:stream';
import { ProvisionedThroughputExceededException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localDynamoDbClient } from './dynamodb-local';

/**
 * What happens to one chosen DynamoDB call:
 * - `throttle`: DynamoDB refuses it (ProvisionedThroughputExceededException), nothing applied;
 * - `slowAnswer`: it is applied at once, its answer arrives `ms` later (a stale read);
 * - `lostAnswer`: it is applied at once, and the caller gives up on it after `ms`, the way
 *   our own abort signal cuts an answer that comes after the call cap (an ambiguous write);
 * - `appliedThenFailed`: it is applied at once, and then its answer is a DynamoDB 500
 *   (`answer: 500`) or the connection is reset (`answer: 'reset'`). Both are transient to the
 *   SDK, so its retry (the client's `maxAttempts`) resends the identical request, which now
 *   meets the table as the first attempt left it.
 */
export type CallFault =
  | { readonly kind: 'throttle' }
  | { readonly kind: 'slowAnswer' | 'lostAnswer'; readonly ms: number }
  | { readonly kind: 'appliedThenFailed'; readonly answer: 500 | 'reset' };

export interface CallFaultRule {
  /** The SDK command name, e.g. `GetItemCommand`. */
  readonly operation: string;
  /** Only calls on items whose `pk` starts with this (`lease#`, `token#`, `mints#`). */
  readonly pkPrefix?: string;
  /**
   * Which matching call, counted from when the rule was added, 1-based. For
   * `appliedThenFailed`, each attempt the SDK sends counts (its retries too).
   */
  readonly nth: number;
  readonly fault: CallFault;
}

interface ActiveRule extends CallFaultRule {
  seen: number;
}

/**
 * A DynamoDB Local client with an SDK middleware that delays or fails one chosen call: the
 * real adapters run unchanged, and only the call a test names misbehaves.
 */
export class DynamoDbCallFaults {
  readonly client: DynamoDBClient;
  /** The faults applied so far, in order (operation names), so a test can check its premise. */
  readonly applied: string[] = [];
  private readonly rules: ActiveRule[] = [];

  constructor(endpoint = process.env.TEST_DYNAMODB_ENDPOINT) {
    if (!endpoint) throw new Error('TEST_DYNAMODB_ENDPOINT is not set: run integration tests through jest.');
    this.client = localDynamoDbClient(endpoint);
    this.client.middlewareStack.add(
      (next, context) => async (args) => {
        const rule = this.match(context.commandName ?? '', keyOf(args.input), 'call');
        if (!rule) return next(args);
        this.applied.push(`${rule.operation} ${rule.fault.kind}`);
        if (rule.fault.kind === 'throttle') {
          throw new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput for the table was exceeded.', $metadata: {} });
        }
        const answer = await next(args);
        await new Promise((resolve) => setTimeout(resolve, (rule.fault as { ms: number }).ms));
        if (rule.fault.kind === 'slowAnswer') return answer;
        // What @smithy/node-http-handler throws when the call's abort signal fires.
        const aborted = new Error('Request aborted');
        aborted.name = 'AbortError';
        throw aborted;
      },
      { step: 'initialize', name: 'dynamoDbCallFaults' },
    );
    // Each attempt passes here, inside the SDK's retry and below its deserializer: the request
    // really reaches DynamoDB, and the SDK reads the failed answer as it would read DynamoDB's.
    this.client.middlewareStack.add(
      (next, context) => async (args) => {
        const rule = this.match(context.commandName ?? '', keyOf(args.input), 'attempt');
        if (!rule || rule.fault.kind !== 'appliedThenFailed') return next(args);
        const applied = await next(args);
        (applied.response as { body?: Readable }).body?.resume();
        this.applied.push(`${rule.operation} ${rule.fault.kind} ${rule.fault.answer}`);
        if (rule.fault.answer === 'reset') throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' });
        return { ...applied, response: dynamoDbError(500, 'InternalServerError', 'Internal server error') };
      },
      { step: 'deserialize', priority: 'low', name: 'dynamoDbAttemptFaults' },
    );
  }

  add(rule: CallFaultRule): void {
    this.rules.push({ ...rule, seen: 0 });
  }

  private match(operation: string, pk: string, stage: 'call' | 'attempt'): CallFaultRule | undefined {
    for (const rule of this.rules) {
      if ((rule.fault.kind === 'appliedThenFailed') !== (stage === 'attempt')) continue;
      if (rule.operation !== operation || !pk.startsWith(rule.pkPrefix ?? '')) continue;
      rule.seen += 1;
      if (rule.seen === rule.nth) return rule;
    }
    return undefined;
  }
}

/** The item's `pk`: from `Key` (GetItem, UpdateItem) or from `Item` (PutItem). */
function keyOf(input: unknown): string {
  const { Key, Item } = input as { Key?: { pk?: { S?: string } }; Item?: { pk?: { S?: string } } };
  return Key?.pk?.S ?? Item?.pk?.S ?? '';
}

/** An HTTP answer shaped as DynamoDB's JSON protocol sends an error. */
function dynamoDbError(statusCode: number, type: string, message: string) {
  return {
    statusCode,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'call-faults' },
    body: Readable.from([Buffer.from(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }))]),
  };
}
