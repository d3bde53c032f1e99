/**
 * The token table as DynamoDB keeps it: items by `pk`, and the four item operations the
 * adapters send (GetItem, PutItem, UpdateItem, DeleteItem) with DynamoDB's request
 * validation (unknown table, undefined or unused placeholders), conditions, ReturnValues,
 * ReturnValuesOnConditionCheckFailure, and a failed write that leaves the item as it was.
 * Every change is told to an observer, so invariants can follow the table's history.
 */
import { applyUpdate, holds, type Item, type Values } from './expression-evaluator';
import { parseCondition, parseUpdate, ValidationError, type Placeholders } from './expression-parser';

export type TableOperation = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem';

/** What DynamoDB answers: a status and the JSON body of its AWS JSON 1.0 protocol. */
export interface TableAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** One request DynamoDB executed (whether its condition held or not). */
export interface TableEvent {
  readonly operation: TableOperation;
  /** Who sent it (a container's name), or `ttl` for DynamoDB's own expiry. */
  readonly caller: string;
  readonly pk: string;
  readonly input: Record<string, unknown>;
  readonly before?: Item;
  /** The item afterwards; equal to `before` when nothing changed. */
  readonly after?: Item;
  readonly conditionFailed: boolean;
}

const KEY_NAMES = ['pk'] as const;
const ERROR_PREFIX = 'com.amazonaws.dynamodb.v20120810#';

export class TableModel {
  readonly items = new Map<string, Item>();

  constructor(
    readonly tableName: string,
    private readonly observe: (event: TableEvent) => void = () => undefined,
  ) {}

  /** Executes one request, as DynamoDB would on receiving it. */
  execute(operation: TableOperation, input: Record<string, unknown>, caller = 'test'): TableAnswer {
    try {
      return this.run(operation, input, caller);
    } catch (error) {
      if (error instanceof ValidationError) return failure(400, 'ValidationException', error.message);
      throw error;
    }
  }

  private run(operation: TableOperation, input: Record<string, unknown>, caller: string): TableAnswer {
    if (input.TableName !== this.tableName) return failure(400, 'ResourceNotFoundException', 'Requested resource not found');
    const values = (input.ExpressionAttributeValues ?? {}) as Values;
    const placeholders: Placeholders = { names: (input.ExpressionAttributeNames ?? {}) as Record<string, string>, usedNames: new Set(), usedValues: new Set() };
    if (input.ProjectionExpression !== undefined || input.Expected !== undefined || input.AttributeUpdates !== undefined) {
      throw new ValidationError('ProjectionExpression and the legacy parameters are not part of the model');
    }
    const condition = typeof input.ConditionExpression === 'string' ? parseCondition(input.ConditionExpression, placeholders) : undefined;
    const update = typeof input.UpdateExpression === 'string' ? parseUpdate(input.UpdateExpression, placeholders) : undefined;
    checkPlaceholders(input, values, placeholders);
    const pk = this.keyOf(operation === 'PutItem' ? (input.Item as Item | undefined) : (input.Key as Item | undefined));
    const before = this.items.get(pk);
    if (operation === 'GetItem') {
      if (input.ConsistentRead !== true) throw new ValidationError('The model serves consistent reads only: every read that decides is consistent (DESIGN.md convention 8)');
      return { status: 200, body: before ? { Item: before } : {} };
    }
    if (condition && !holds(condition, before, values)) {
      this.observe({ operation, caller, pk, input, before, after: before, conditionFailed: true });
      const item = input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && before ? { Item: before } : {};
      return { status: 400, body: { __type: `${ERROR_PREFIX}ConditionalCheckFailedException`, message: 'The conditional request failed', ...item } };
    }
    let after: Item | undefined;
    if (operation === 'PutItem') after = { ...(input.Item as Item) };
    else if (operation === 'UpdateItem') after = applyUpdate(update ?? { set: [], remove: [], add: [], delete: [] }, before ?? { pk: { S: pk } }, values, KEY_NAMES);
    if (after) this.items.set(pk, after);
    else this.items.delete(pk);
    this.observe({ operation, caller, pk, input, before, after, conditionFailed: false });
    return { status: 200, body: returnValues(input.ReturnValues, before, after) };
  }

  private keyOf(key: Item | undefined): string {
    const pk = key?.pk?.S;
    if (pk === undefined || pk === '') throw new ValidationError('One or more parameter values were invalid: Missing the key pk in the item');
    return pk;
  }

  /** DynamoDB's TTL deletes expired items late: items whose `ttl` is more than `lagSeconds` past go now. */
  sweepExpired(nowMs: number, lagSeconds: number): void {
    for (const [pk, item] of this.items) {
      const ttl = Number(item.ttl?.N);
      if (Number.isFinite(ttl) && ttl + lagSeconds < nowMs / 1000) {
        this.items.delete(pk);
        this.observe({ operation: 'DeleteItem', caller: 'ttl', pk, input: { ttlSweep: true }, before: item, after: undefined, conditionFailed: false });
      }
    }
  }
}

function checkPlaceholders(input: Record<string, unknown>, values: Values, placeholders: Placeholders): void {
  const hasExpression = ['ConditionExpression', 'UpdateExpression'].some((name) => typeof input[name] === 'string');
  if (!hasExpression && input.ExpressionAttributeValues !== undefined) {
    throw new ValidationError('ExpressionAttributeValues can only be specified when using expressions');
  }
  for (const ref of placeholders.usedValues) {
    if (values[ref] === undefined) throw new ValidationError(`An expression attribute value used in expression is not defined; attribute value: ${ref}`);
  }
  const unusedValues = Object.keys(values).filter((ref) => !placeholders.usedValues.has(ref));
  if (unusedValues.length > 0) throw new ValidationError(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`);
  const unusedNames = Object.keys(placeholders.names).filter((ref) => !placeholders.usedNames.has(ref));
  if (unusedNames.length > 0) throw new ValidationError(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`);
  for (const value of Object.values(values)) {
    if (value.N !== undefined && !/^-?\d+(\.\d+)?$/.test(value.N)) throw new ValidationError(`The parameter cannot be converted to a numeric value: ${value.N}`);
  }
}

function returnValues(mode: unknown, before: Item | undefined, after: Item | undefined): Record<string, unknown> {
  if (mode === undefined || mode === 'NONE') return {};
  if (mode === 'ALL_OLD') return before ? { Attributes: before } : {};
  if (mode === 'ALL_NEW') return after ? { Attributes: after } : {};
  throw new ValidationError(`ReturnValues ${JSON.stringify(mode)} is not part of the model`);
}

function failure(status: number, type: string, message: string): TableAnswer {
  return { status, body: { __type: `${ERROR_PREFIX}${type}`, message } };
}
