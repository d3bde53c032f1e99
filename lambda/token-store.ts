import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import type { IssuedToken } from './issuer-response';

/** The shared token cache (CONTRACT section 3); keys come from `tokenCacheKey`. */
export interface TokenStore {
  /** The stored token, read consistently; undefined when there is none or it is unreadable. */
  get(key: string): Promise<IssuedToken | undefined>;
  /**
   * Stores `token` unless the table holds one that expires at the same time or later;
   * returns whichever token the table holds afterwards.
   */
  put(key: string, token: IssuedToken, audience: string): Promise<IssuedToken>;
}

type Item = Record<string, AttributeValue>;

export const TOKEN_KEY_PREFIX = 'token#';

/**
 * DynamoDB adapter. Items: `pk`, `accessToken`, `tokenType`, `issuedAt`, `expiresAt`
 * (epoch seconds), `audience`, and `ttl` = `expiresAt` - margin for housekeeping.
 * Expiry is always decided from `expiresAt`: TTL deletion lags by up to days.
 */
export class DynamoDbTokenStore implements TokenStore {
  constructor(
    private readonly tableName: string,
    private readonly marginSeconds: number,
    private readonly client: DynamoDBClient = new DynamoDBClient({}),
  ) {}

  async get(key: string): Promise<IssuedToken | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: TOKEN_KEY_PREFIX + key } }, ConsistentRead: true }),
    );
    return Item ? tokenFromItem(Item) : undefined;
  }

  async put(key: string, token: IssuedToken, audience: string): Promise<IssuedToken> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: TOKEN_KEY_PREFIX + key },
            accessToken: { S: token.accessToken },
            tokenType: { S: token.tokenType },
            issuedAt: { N: String(token.issuedAt) },
            expiresAt: { N: String(token.expiresAt) },
            audience: { S: audience },
            ttl: { N: String(token.expiresAt - this.marginSeconds) },
          },
          // Never replace a token with one that expires sooner; an unreadable item
          // (no token, or an expiresAt that is not a number) may always be replaced.
          ConditionExpression:
            'attribute_not_exists(pk) OR attribute_not_exists(accessToken) OR ' +
            'NOT attribute_type(expiresAt, :number) OR expiresAt < :expiresAt',
          ExpressionAttributeValues: { ':number': { S: 'N' }, ':expiresAt': { N: String(token.expiresAt) } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return token;
    } catch (error) {
      // Someone stored a token that lasts at least as long: theirs is the answer.
      if (error instanceof ConditionalCheckFailedException && error.Item) {
        return tokenFromItem(error.Item) ?? token;
      }
      throw error;
    }
  }
}

/** Reads a token item defensively: anything malformed counts as no token. */
export function tokenFromItem(item: Item): IssuedToken | undefined {
  const accessToken = item.accessToken?.S;
  const issuedAt = Number(item.issuedAt?.N);
  const expiresAt = Number(item.expiresAt?.N);
  if (!accessToken || !Number.isFinite(expiresAt) || !Number.isFinite(issuedAt)) return undefined;
  return { accessToken, tokenType: 'Bearer', issuedAt, expiresAt };
}
