/**
 * The simulation's DynamoDB model on its own: the expression grammar's precedence and
 * functions, updates that read the item before changing it, and the requests DynamoDB refuses.
 * (test/integration/sim-dynamodb-model.test.ts compares it with DynamoDB Local.)
 */
import { TableModel } from '../../sim/models/dynamodb/table-model';

const table = () => new TableModel('t');
const put = (model: TableModel, item: Record<string, unknown>, condition?: string, values?: Record<string, unknown>) =>
  model.execute('PutItem', { TableName: 't', Item: item, ConditionExpression: condition, ExpressionAttributeValues: values, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });

test('AND binds tighter than OR, NOT applies to what follows, and a missing attribute compares false', () => {
  const model = table();
  put(model, { pk: { S: 'k' }, a: { N: '5' } });

  // DynamoDB refuses a value the expression does not use: pass only those it names.
  const values = { ':one': { N: '1' }, ':ten': { N: '10' } };
  const used = (condition: string) => Object.fromEntries(Object.entries(values).filter(([ref]) => condition.includes(ref)));
  const holds = (condition: string) => put(model, { pk: { S: 'k' }, a: { N: '5' } }, condition, used(condition)).status === 200;

  expect(holds('a < :one AND a < :ten OR a > :one')).toBe(true);
  expect(holds('a < :one AND (a < :ten OR a > :one)')).toBe(false);
  expect(holds('NOT missing > :one')).toBe(true);
  expect(holds('a BETWEEN :one AND :ten AND a IN (:one, :ten)')).toBe(false);
  expect(holds('attribute_exists(a) AND attribute_not_exists(missing)')).toBe(true);
});

test('a failed condition leaves the item and returns it (ALL_OLD); an update reads the item before it changes', () => {
  const model = table();
  put(model, { pk: { S: 'k' }, n: { N: '1' } });

  const refused = put(model, { pk: { S: 'k' } }, 'attribute_not_exists(n)');
  const updated = model.execute('UpdateItem', {
    TableName: 't',
    Key: { pk: { S: 'k' } },
    UpdateExpression: 'SET n = n + :one, m = n, z = if_not_exists(z, :one) REMOVE gone',
    ExpressionAttributeValues: { ':one': { N: '1' } },
    ReturnValues: 'ALL_NEW',
  });

  expect(refused).toEqual({ status: 400, body: expect.objectContaining({ Item: { pk: { S: 'k' }, n: { N: '1' } } }) });
  expect(updated.body.Attributes).toEqual({ pk: { S: 'k' }, n: { N: '2' }, m: { N: '1' }, z: { N: '1' } });
});

test.each([
  ['an unused value', { UpdateExpression: 'SET a = :one', ExpressionAttributeValues: { ':one': { N: '1' }, ':two': { N: '2' } } }, /unused in expressions: keys: \{:two\}/],
  ['an undefined value', { UpdateExpression: 'SET a = :one' }, /not defined; attribute value: :one/],
  ['an undefined name', { UpdateExpression: 'SET #a = :one', ExpressionAttributeValues: { ':one': { N: '1' } } }, /attribute name: #a/],
  ['the key', { UpdateExpression: 'SET pk = :s', ExpressionAttributeValues: { ':s': { S: 'x' } } }, /part of the key/],
  ['arithmetic on a string', { UpdateExpression: 'SET a = :s + :s', ExpressionAttributeValues: { ':s': { S: 'x' } } }, /incorrect data type/],
  ['a grammar the model does not know', { UpdateExpression: 'SET a.b = :one', ExpressionAttributeValues: { ':one': { N: '1' } } }, /not part of the model/],
])('DynamoDB refuses %s with a ValidationException', (_what, request, message) => {
  const answer = table().execute('UpdateItem', { TableName: 't', Key: { pk: { S: 'k' } }, ...request });

  expect(answer.status).toBe(400);
  expect(answer.body).toEqual({ __type: 'com.amazonaws.dynamodb.v20120810#ValidationException', message: expect.stringMatching(message) });
});
