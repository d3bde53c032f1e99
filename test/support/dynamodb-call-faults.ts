import { ProvisionedThroughputExceededException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localDynamoDbClient } from './dynamodb-local';

/**
 * What happens to one chosen DynamoDB call:
 * - `throttle`: DynamoDB refuses it (ProvisionedThroughputExceededException), nothing applied;
 * - `slowAnswer`: it is applied at once, its answer arrives `ms` later (a stale read);
 * - `lostAnswer`: it is applied at once, and the caller gives up on it after `ms`, the way
 *   our own abort signal cuts an answer that comes after the call cap (an ambiguous write).
 */
export type CallFault = { readonly kind: 'throttle' } | { readonly kind: 'slowAnswer' | 'lostAnswer'; readonly ms: number };

export interface CallFaultRule {
  /** The SDK command name, e.g. `GetItemCommand`. */
  readonly operation: string;
  /** Only calls on items whose `pk` starts with this (`lease#`, `token#`, `mints#`). */
  readonly pkPrefix?: string;
  /** Which matching call, counted from when the rule was added, 1-based. */
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
        const pk = (args.input as { Key?: { pk?: { S?: string } } }).Key?.pk?.S ?? '';
        const rule = this.match(context.commandName ?? '', pk);
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
  }

  add(rule: CallFaultRule): void {
    this.rules.push({ ...rule, seen: 0 });
  }

  private match(operation: string, pk: string): CallFaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.operation !== operation || !pk.startsWith(rule.pkPrefix ?? '')) continue;
      rule.seen += 1;
      if (rule.seen === rule.nth) return rule;
    }
    return undefined;
  }
}
