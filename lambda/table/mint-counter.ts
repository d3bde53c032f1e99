/**
 * The shared count of minted tokens per client and month, per day and audience, and of forced
 * refreshes: what the budget alarm and the dashboard read.
 */
import { createHash, randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';

/** Tokens minted for one set of credentials, shared by all containers through the table. */
export interface MintCount {
  /** This UTC day, all audiences. */
  readonly today: number;
  /** This UTC month, all audiences. */
  readonly thisMonth: number;
}

export interface MintRecord {
  readonly audience: string;
  /** Minted because a caller forced a refresh. */
  readonly forced: boolean;
}

/**
 * Counts minted tokens per credentials (token endpoint and client id) and UTC month, with
 * a count per day, per day and audience, and forced mints: one item per month, one update
 * per mint, no scan. Issuer quotas are per client, so the count is too; a new secret for the
 * same client keeps counting.
 */
export interface MintCounter {
  record(credentialsRef: string, mint: MintRecord, signal: AbortSignal): Promise<MintCount>;
  read(credentialsRef: string, signal: AbortSignal): Promise<MintCount>;
}

export const MINT_KEY_PREFIX = 'mints#';
/** Keep a month's counts for about a quarter after it ends. */
const KEEP_DAYS_AFTER_MONTH = 100;

/** Names a client without naming it: a hash of token endpoint and client id. */
export function credentialsRef(tokenUrl: string, clientId: string): string {
  return createHash('sha256').update(JSON.stringify([tokenUrl, clientId])).digest('hex').slice(0, 32);
}

/**
 * Items: `pk` = mints#<ref>#<YYYY-MM>, `total`, `forced`, `d<DD>` (a day, all audiences),
 * `d<DD> <audience>` (a day, one audience), `lastMint` (the id of the last mint counted), `ttl`.
 *
 * Each count carries a new id and is conditional on it not being the last one counted: the
 * SDK resends a request whose answer was lost (a 500, a reset connection) unchanged, and the
 * resent one then finds its own id and counts nothing. Only another mint of the same client
 * counted between the two attempts (milliseconds apart) could let a retry count twice.
 */
export class DynamoDbMintCounter implements MintCounter {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBClient = new DynamoDBClient({}),
    private readonly now: () => number = () => Date.now(),
  ) {}

  async record(ref: string, mint: MintRecord, signal: AbortSignal): Promise<MintCount> {
    const { month, day, ttl } = period(this.now());
    const increments = ['#total', '#day', '#audienceDay', ...(mint.forced ? ['#forced'] : [])];
    const mintId = randomUUID();
    let counted: Record<string, AttributeValue>;
    try {
      ({ Attributes: counted = {} } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: `${MINT_KEY_PREFIX}${ref}#${month}` } },
          UpdateExpression: `SET ${increments.map((name) => `${name} = if_not_exists(${name}, :zero) + :one`).join(', ')}, lastMint = :mint, #ttl = :ttl`,
          ConditionExpression: 'attribute_not_exists(lastMint) OR lastMint <> :mint',
          ExpressionAttributeNames: {
            '#total': 'total',
            '#day': day,
            '#audienceDay': `${day} ${mint.audience}`,
            '#ttl': 'ttl',
            ...(mint.forced ? { '#forced': 'forced' } : {}),
          },
          ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' }, ':mint': { S: mintId }, ':ttl': { N: String(ttl) } },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        { abortSignal: signal },
      ));
    } catch (error) {
      // Only our own id fails the condition: an earlier attempt of this very request counted it.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      counted = error.Item ?? {};
    }
    return { today: Number(counted[day]?.N ?? 0), thisMonth: Number(counted.total?.N ?? 0) };
  }

  async read(ref: string, signal: AbortSignal): Promise<MintCount> {
    const { month, day } = period(this.now());
    const { Item = {} } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: `${MINT_KEY_PREFIX}${ref}#${month}` } }, ConsistentRead: true }),
      { abortSignal: signal },
    );
    return { today: Number(Item[day]?.N ?? 0), thisMonth: Number(Item.total?.N ?? 0) };
  }
}

function period(nowMs: number): { month: string; day: string; ttl: number } {
  const iso = new Date(nowMs).toISOString();
  const now = new Date(nowMs);
  const nextMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  return { month: iso.slice(0, 7), day: `d${iso.slice(8, 10)}`, ttl: Math.floor(nextMonth / 1000) + KEEP_DAYS_AFTER_MONTH * 86_400 };
}
