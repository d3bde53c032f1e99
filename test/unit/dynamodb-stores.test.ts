import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoDbLeaseStore } from '../../lambda/lease-store';
import { DynamoDbTokenStore, tokenFromItem } from '../../lambda/token-store';

const dynamodb = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'eu-west-1' });
const TOKEN = { accessToken: 'tok', tokenType: 'Bearer' as const, issuedAt: 1_000, expiresAt: 87_400 };
const conditionFailed = (Item?: Record<string, unknown>) =>
  Object.assign(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }), { Item });

beforeEach(() => dynamodb.reset());

describe('token store', () => {
  const store = new DynamoDbTokenStore('tokens', 300, client);

  test('reads consistently by the prefixed key', async () => {
    dynamodb.on(GetItemCommand).resolves({
      Item: { pk: { S: 'token#k' }, accessToken: { S: 'tok' }, tokenType: { S: 'Bearer' }, issuedAt: { N: '1000' }, expiresAt: { N: '87400' } },
    });

    await expect(store.get('k')).resolves.toEqual(TOKEN);
    expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, { TableName: 'tokens', Key: { pk: { S: 'token#k' } }, ConsistentRead: true });
  });

  test('writes conditionally, with ttl = expiresAt - margin', async () => {
    dynamodb.on(PutItemCommand).resolves({});

    await expect(store.put('k', TOKEN, 'wlloyalty.net')).resolves.toBe(TOKEN);

    const input = dynamodb.commandCalls(PutItemCommand)[0]!.args[0].input;
    expect(input.Item).toMatchObject({ pk: { S: 'token#k' }, expiresAt: { N: '87400' }, ttl: { N: '87100' }, audience: { S: 'wlloyalty.net' } });
    expect(input.ConditionExpression).toMatch(/attribute_not_exists\(pk\)/);
    expect(input.ConditionExpression).toMatch(/expiresAt < :expiresAt/);
    expect(input.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
  });

  test('a failed condition returns the longer-lived token already stored', async () => {
    dynamodb.on(PutItemCommand).rejects(
      conditionFailed({ accessToken: { S: 'theirs' }, tokenType: { S: 'Bearer' }, issuedAt: { N: '2000' }, expiresAt: { N: '88400' } }),
    );

    await expect(store.put('k', TOKEN, 'a')).resolves.toMatchObject({ accessToken: 'theirs', expiresAt: 88_400 });
  });

  test('other errors are thrown', async () => {
    dynamodb.on(PutItemCommand).rejects(new Error('ProvisionedThroughputExceeded'));

    await expect(store.put('k', TOKEN, 'a')).rejects.toThrow('ProvisionedThroughputExceeded');
  });

  test('a damaged item reads as no token', () => {
    expect(tokenFromItem({ accessToken: { S: 'x' }, expiresAt: { S: 'soon' }, issuedAt: { N: '1' } })).toBeUndefined();
    expect(tokenFromItem({ expiresAt: { N: '1' }, issuedAt: { N: '1' } })).toBeUndefined();
  });
});

describe('lease store', () => {
  const now = 1_800_000_000_000;
  const leases = new DynamoDbLeaseStore('tokens', client, () => now);

  test('takes a free lease with a conditional update', async () => {
    dynamodb.on(UpdateItemCommand).resolves({});

    await expect(leases.acquire('k', 'me', 15_000)).resolves.toEqual({ acquired: true });

    const input = dynamodb.commandCalls(UpdateItemCommand)[0]!.args[0].input;
    expect(input.Key).toEqual({ pk: { S: 'lease#k' } });
    expect(input.ExpressionAttributeValues).toMatchObject({ ':holder': { S: 'me' }, ':until': { N: String(now + 15_000) }, ':now': { N: String(now) } });
    expect(input.ConditionExpression).toMatch(/leaseUntil <= :now/);
    expect(input.ConditionExpression).toMatch(/notBefore <= :now/);
  });

  test('a held lease or a back-off is reported from the old item', async () => {
    dynamodb
      .on(UpdateItemCommand)
      .rejectsOnce(conditionFailed({ leaseUntil: { N: String(now + 5_000) }, holder: { S: 'other' } }))
      .rejectsOnce(conditionFailed({ leaseUntil: { N: '0' }, notBefore: { N: String(now + 30_000) }, backoffReason: { S: 'rate_limited' } }));

    await expect(leases.acquire('k', 'me', 15_000)).resolves.toEqual({ acquired: false, heldUntilMs: now + 5_000, backoff: undefined });
    await expect(leases.acquire('k', 'me', 15_000)).resolves.toEqual({
      acquired: false,
      heldUntilMs: undefined,
      backoff: { notBeforeMs: now + 30_000, reason: 'rate_limited' },
    });
  });

  test('release is conditional on being the holder, and may record a back-off', async () => {
    dynamodb.on(UpdateItemCommand).resolvesOnce({}).rejectsOnce(conditionFailed());

    await leases.release('k', 'me', { notBeforeMs: now + 60_000, reason: 'rate_limited' });
    await expect(leases.release('k', 'me')).resolves.toBeUndefined();

    const input = dynamodb.commandCalls(UpdateItemCommand)[0]!.args[0].input;
    expect(input.ConditionExpression).toBe('holder = :holder');
    expect(input.UpdateExpression).toMatch(/notBefore = :notBefore/);
    expect(input.ExpressionAttributeValues).toMatchObject({ ':notBefore': { N: String(now + 60_000) }, ':reason': { S: 'rate_limited' } });
  });
});
