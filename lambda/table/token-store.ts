/**
 * Token items in DynamoDB (CONTRACT section 3): sealed tokens read consistently and written with
 * a condition, so the table only ever moves to a later-expiring token, or replaces one that no
 * longer opens or was refused.
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { hasPlausibleTimes, MAX_TOKEN_LIFETIME_SECONDS, type IssuedToken } from '../core/token';
import type { TokenSeal } from './token-seal';

export const TOKEN_KEY_PREFIX = 'token#';

/** What a read of a token item found. */
export interface StoredToken {
  /** The token, when the item holds one that opens and has plausible times. */
  readonly token?: IssuedToken;
  /**
   * The item's `sealedToken` exactly as read (also when it does not open): a write that
   * replaces this very value names it, so a damaged item or a refused token can be
   * replaced even when it claims to live longer (compare-and-swap).
   */
  readonly sealedToken?: string;
  /** An item exists but cannot be used (does not open, no sealedToken, absurd times). */
  readonly unusable: boolean;
}

export interface TokenPut {
  readonly key: string;
  readonly token: IssuedToken;
  readonly audience: string;
  readonly seal: TokenSeal;
  /** The `sealedToken` this write may replace whatever its expiry (see StoredToken). */
  readonly replaces?: string;
}

/** The shared token cache (CONTRACT section 3); keys come from `tokenCacheKey`. */
export interface TokenStore {
  /** Reads the item consistently. */
  get(key: string, seal: TokenSeal, signal: AbortSignal): Promise<StoredToken>;
  /**
   * Stores the token unless the table holds a usable one that expires later; returns
   * whichever token the table holds afterwards.
   */
  put(put: TokenPut, signal: AbortSignal): Promise<IssuedToken>;
}

type Item = Record<string, AttributeValue>;

/**
 * DynamoDB adapter. Items: `pk`, `sealedToken` (the token sealed with a key only a holder
 * of the client secret can derive), `tokenType`, `issuedAt`, `expiresAt` (epoch seconds),
 * `audience`, and `ttl` = `expiresAt` - margin for housekeeping. Expiry is always decided
 * from `expiresAt`: TTL deletion lags by up to days. No attribute holds the token in clear.
 */
export class DynamoDbTokenStore implements TokenStore {
  constructor(
    private readonly tableName: string,
    private readonly marginSeconds: number,
    private readonly client: DynamoDBClient = new DynamoDBClient({}),
    private readonly now: () => number = () => Date.now(),
  ) {}

  async get(key: string, seal: TokenSeal, signal: AbortSignal): Promise<StoredToken> {
    const pk = TOKEN_KEY_PREFIX + key;
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: pk } }, ConsistentRead: true }),
      { abortSignal: signal },
    );
    return Item ? readItem(Item, pk, seal, this.now()) : { unusable: false };
  }

  async put({ key, token, audience, seal, replaces }: TokenPut, signal: AbortSignal): Promise<IssuedToken> {
    const pk = TOKEN_KEY_PREFIX + key;
    const values: Item = {
      ':number': { S: 'N' },
      ':expiresAt': { N: String(token.expiresAt) },
      ':implausible': { N: String(Math.floor(this.now() / 1000) + MAX_TOKEN_LIFETIME_SECONDS) },
    };
    // Never replace a usable token with one that expires sooner. One that expires in the same
    // second may be replaced: the token being stored was just minted, so it is never one a
    // caller reported refused, and a forced refresh that could not read the table (so cannot
    // name what it replaces) must not leave the refused token in place. An item without a sealed
    // token (empty, or left in clear by an earlier release), with an expiry that is not a
    // number or is absurd, or the very value the caller saw and found unusable or refused,
    // may always be replaced.
    let condition =
      'attribute_not_exists(sealedToken) OR NOT attribute_type(expiresAt, :number) OR ' +
      'expiresAt <= :expiresAt OR expiresAt > :implausible';
    if (replaces !== undefined) {
      condition += ' OR sealedToken = :replaces';
      values[':replaces'] = { S: replaces };
    }
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: pk },
            sealedToken: { S: seal.seal(token.accessToken, pk) },
            tokenType: { S: token.tokenType },
            issuedAt: { N: String(token.issuedAt) },
            expiresAt: { N: String(token.expiresAt) },
            audience: { S: audience },
            ttl: { N: String(token.expiresAt - this.marginSeconds) },
          },
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        { abortSignal: signal },
      );
      return token;
    } catch (error) {
      // Someone stored a token that lasts at least as long: theirs is the answer.
      if (error instanceof ConditionalCheckFailedException && error.Item) {
        return readItem(error.Item, pk, seal, this.now()).token ?? token;
      }
      throw error;
    }
  }
}

/** Reads a token item defensively: anything that does not open or makes no sense is unusable. */
function readItem(item: Item, pk: string, seal: TokenSeal, nowMs: number): StoredToken {
  const sealedToken = item.sealedToken?.S;
  const times = { issuedAt: Number(item.issuedAt?.N), expiresAt: Number(item.expiresAt?.N) };
  const accessToken = sealedToken === undefined ? undefined : seal.open(sealedToken, pk);
  if (accessToken === undefined || accessToken === '' || !hasPlausibleTimes(times, nowMs)) return { sealedToken, unusable: true };
  return { token: { accessToken, tokenType: 'Bearer', ...times }, sealedToken, unusable: false };
}
