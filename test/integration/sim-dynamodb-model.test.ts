/**
 * The simulation's DynamoDB model (test/sim/models/dynamodb) against DynamoDB Local: every
 * request the real adapters send, and the edge cases of the expressions they use, goes to both,
 * and the answers must agree (status, error type, the items returned). The simulation runs the
 * protocol against the model only, so this is what keeps the model honest.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpRequest } from '@smithy/core/transport';
import type { HttpHandlerOptions } from '@smithy/types';
import { DynamoDbLeaseStore } from '../../lambda/table/lease-store';
import { DynamoDbMintCounter } from '../../lambda/table/mint-counter';
import { DynamoDbTokenStore } from '../../lambda/table/token-store';
import { tokenSealFor } from '../../lambda/table/token-seal';
import { createTokenTable, localDynamoDbClient } from '../support/dynamodb-local';
import { DynamoDbService } from '../sim/models/dynamodb/dynamodb-service';
import { TableModel } from '../sim/models/dynamodb/table-model';

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** Sends each request to DynamoDB Local and to the model, keeps both answers, and hands the client Local's. */
class BothHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  readonly pairs: { operation: string; local: Answer; model: Answer }[] = [];
  private readonly http = new NodeHttpHandler();

  constructor(private readonly model: DynamoDbService) {}

  async handle(request: HttpRequest, options?: HttpHandlerOptions) {
    const operation = String(request.headers['x-amz-target']).split('.').pop()!;
    const body = request.body as string | Uint8Array;
    const input = JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(body)) as Record<string, unknown>;
    const model = this.model.execute(operation, input, 'test');
    const { response } = await this.http.handle(request, options);
    const chunks: Buffer[] = [];
    for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
    const text = Buffer.concat(chunks).toString('utf8');
    this.pairs.push({ operation, local: { status: response.statusCode, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }, model });
    return { response: Object.assign(response, { body: Buffer.from(text) }) };
  }

  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {
    this.http.destroy();
  }
}

/** What must agree: the status, the error type (not its wording), and the item or attributes returned. */
function comparable({ status, body }: Answer) {
  const type = typeof body.__type === 'string' ? body.__type.split('#').pop() : undefined;
  return { status, type, Item: body.Item, Attributes: body.Attributes };
}

let both: BothHandler;
let client: DynamoDBClient;
const tableName = `sim-model-${randomUUID()}`;

beforeAll(async () => {
  const endpoint = process.env.TEST_DYNAMODB_ENDPOINT!;
  const admin = localDynamoDbClient(endpoint);
  await createTokenTable(admin, tableName);
  admin.destroy();
  both = new BothHandler(new DynamoDbService(new TableModel(tableName)));
  client = new DynamoDBClient({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1, requestHandler: both });
});

afterAll(() => client.destroy());

function expectAgreement(): void {
  expect(both.pairs.length).toBeGreaterThan(0);
  for (const { operation, local, model } of both.pairs.splice(0)) {
    expect({ operation, ...comparable(model), said: JSON.stringify(local.body) }).toEqual({ operation, ...comparable(local), said: JSON.stringify(local.body) });
  }
}

test('the token store: writes, a refused older one (ALL_OLD), a compare-and-swap, reads', async () => {
  const credentials = { clientId: 'client', clientSecret: 'not-a-real-secret' };
  const seal = tokenSealFor(credentials);
  let now = 1_900_000_000_000;
  const store = new DynamoDbTokenStore(tableName, 300, client, () => now);
  const token = (expiresAt: number, n: number) => ({ accessToken: `token-${n}`, tokenType: 'Bearer' as const, issuedAt: expiresAt - 86_400, expiresAt });
  const key = `k-${randomUUID()}`;
  const expires = Math.floor(now / 1000) + 86_400;

  await store.put({ key, token: token(expires, 1), audience: 'a', seal }, AbortSignal.timeout(5_000));
  await store.put({ key, token: token(expires - 10, 2), audience: 'a', seal }, AbortSignal.timeout(5_000));
  const stored = await store.get(key, seal, AbortSignal.timeout(5_000));
  await store.put({ key, token: token(expires - 20, 3), audience: 'a', seal, replaces: stored.sealedToken }, AbortSignal.timeout(5_000));
  await store.put({ key, token: token(expires - 30, 4), audience: 'a', seal, replaces: 'v1.not-what-is-there' }, AbortSignal.timeout(5_000));
  now += 1_000;
  await store.get(key, seal, AbortSignal.timeout(5_000));
  await store.get(`absent-${randomUUID()}`, seal, AbortSignal.timeout(5_000));

  expectAgreement();
});

test('the lease store: taken, held, released with a back-off, refused for it, a fenced release that changes nothing', async () => {
  let now = 1_900_000_000_000;
  const leases = new DynamoDbLeaseStore(tableName, client, () => now);
  const key = `k-${randomUUID()}`;

  const first = await leases.acquire(key, 15_000, AbortSignal.timeout(5_000));
  await leases.acquire(key, 15_000, AbortSignal.timeout(5_000));
  if (first.kind !== 'acquired') throw new Error('the first acquisition must take the lease');
  await leases.release(first.lease, { backoff: { notBeforeMs: now + 10_000, reason: 'unusable_answer', message: 'lifetime within the margin' } }, AbortSignal.timeout(5_000));
  await leases.acquire(key, 15_000, AbortSignal.timeout(5_000));
  await leases.release(first.lease, {}, AbortSignal.timeout(5_000));
  now += 11_000;
  const second = await leases.acquire(key, 15_000, AbortSignal.timeout(5_000));
  if (second.kind !== 'acquired') throw new Error('the lease must be free after the back-off');
  await leases.release(second.lease, { rejection: { untilMs: now + 300_000, message: 'refused', seenAtMs: now } }, AbortSignal.timeout(5_000));
  await leases.acquire(key, 15_000, AbortSignal.timeout(5_000));

  expectAgreement();
});

test('the mint counter: counts per day and audience, forced ones, and reads', async () => {
  const mints = new DynamoDbMintCounter(tableName, client, () => 1_900_000_000_000);
  const ref = `ref-${randomUUID()}`;

  await mints.record(ref, { audience: 'a', forced: false }, AbortSignal.timeout(5_000));
  await mints.record(ref, { audience: 'b', forced: true }, AbortSignal.timeout(5_000));
  await mints.read(ref, AbortSignal.timeout(5_000));

  expectAgreement();
});

test('a request the SDK resends after its answer was lost: the count and the lease acquisition as the adapters send them', async () => {
  const pk = `resent-${randomUUID()}`;
  const count = new UpdateItemCommand({
    TableName: tableName,
    Key: { pk: { S: pk } },
    UpdateExpression: 'SET #total = if_not_exists(#total, :zero) + :one, lastMint = :mint, #ttl = :ttl',
    ConditionExpression: 'attribute_not_exists(lastMint) OR lastMint <> :mint',
    ExpressionAttributeNames: { '#total': 'total', '#ttl': 'ttl' },
    ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' }, ':mint': { S: 'mint-1' }, ':ttl': { N: '1900000000' } },
    ReturnValues: 'ALL_NEW',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  });
  const leases = new DynamoDbLeaseStore(tableName, client, () => 1_900_000_000_000);
  const key = `k-${randomUUID()}`;

  for (let i = 0; i < 2; i++) await client.send(count).catch(() => undefined);
  // The same acquisition twice: the second finds the first's lease id (what the SDK's retry meets).
  const sent: UpdateItemCommand[] = [];
  const resend = new DynamoDbLeaseStore(tableName, { send: (command: UpdateItemCommand) => (sent.push(command), client.send(command)) } as never, () => 1_900_000_000_000);
  await resend.acquire(key, 15_000, AbortSignal.timeout(5_000));
  await client.send(sent[0]!).catch(() => undefined);
  await leases.acquire(key, 15_000, AbortSignal.timeout(5_000));

  expectAgreement();
});

test('expression edge cases: a missing attribute under <> and comparisons, types, if_not_exists, and what DynamoDB refuses', async () => {
  const pk = `edge-${randomUUID()}`;
  const send = async (command: PutItemCommand | UpdateItemCommand | GetItemCommand) => {
    await client.send(command as UpdateItemCommand).catch(() => undefined);
  };
  const update = (expression: string, condition: string | undefined, values: Record<string, unknown>, names?: Record<string, string>) =>
    new UpdateItemCommand({
      TableName: tableName,
      Key: { pk: { S: pk } },
      UpdateExpression: expression,
      ConditionExpression: condition,
      ExpressionAttributeValues: values as never,
      ExpressionAttributeNames: names,
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });

  await send(update('SET a = :one', 'absentAttr <> :one', { ':one': { N: '1' } }));
  await send(update('SET b = :one', 'absentAttr < :one', { ':one': { N: '1' } }));
  await send(update('SET c = :s', 'attribute_type(a, :n) AND NOT attribute_type(a, :s)', { ':n': { S: 'N' }, ':s': { S: 'S' } }));
  await send(update('SET a = if_not_exists(a, :zero) + :one, d = if_not_exists(d, :zero) + :one', 'a BETWEEN :zero AND :one', { ':zero': { N: '0' }, ':one': { N: '1' } }));
  await send(update('SET a = :s', 'a > :s', { ':s': { S: 'text' } }));
  await send(update('SET e = :one REMOVE c', 'a IN (:one, :two)', { ':one': { N: '1' }, ':two': { N: '2' } }));
  await send(update('SET a = :one', undefined, { ':one': { N: '1' }, ':unused': { N: '2' } }));
  await send(update('SET a = :one', undefined, { ':one': { N: '1' } }, { '#unused': 'x' }));
  await send(update('SET a = :missing', undefined, { ':one': { N: '1' } }));
  await send(update('SET pk = :s', undefined, { ':s': { S: 'x' } }));
  await send(update('SET a = :s + :one', undefined, { ':s': { S: 'x' }, ':one': { N: '1' } }));
  await send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: pk }, f: { S: 'v' } }, ConditionExpression: 'attribute_exists(f) OR begins_with(pk, :p)', ExpressionAttributeValues: { ':p': { S: 'edge-' } } }));
  await send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk } }, ConsistentRead: true }));
  await send(new GetItemCommand({ TableName: `no-such-table-${randomUUID()}`, Key: { pk: { S: pk } }, ConsistentRead: true }));

  expectAgreement();
});
