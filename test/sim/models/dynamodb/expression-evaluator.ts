/**
 * Evaluates parsed condition and update expressions against an item the way DynamoDB does:
 * a comparison with a missing attribute or across types is false (never an error), numbers
 * compare as numbers, the right-hand sides of an update are all read from the item before it
 * changes, and arithmetic on anything but numbers is a ValidationException.
 */
import { ValidationError, type Condition, type Operand, type UpdatePlan } from './expression-parser';

export type AttributeValue = {
  S?: string;
  N?: string;
  B?: string;
  BOOL?: boolean;
  NULL?: boolean;
  SS?: string[];
  NS?: string[];
  BS?: string[];
  L?: AttributeValue[];
  M?: Record<string, AttributeValue>;
};
export type Item = Record<string, AttributeValue>;
export type Values = Record<string, AttributeValue>;

const TYPES = ['S', 'SS', 'N', 'NS', 'B', 'BS', 'BOOL', 'NULL', 'L', 'M'] as const;

export function typeOf(value: AttributeValue): string {
  const type = Object.keys(value)[0];
  if (type === undefined || !(TYPES as readonly string[]).includes(type)) throw new ValidationError('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');
  return type;
}

/** Evaluates a ConditionExpression against `item` (undefined: no item). */
export function holds(condition: Condition, item: Item | undefined, values: Values): boolean {
  switch (condition.kind) {
    case 'and':
      return holds(condition.left, item, values) && holds(condition.right, item, values);
    case 'or':
      return holds(condition.left, item, values) || holds(condition.right, item, values);
    case 'not':
      return !holds(condition.operand, item, values);
    case 'compare':
      return compare(condition.op, resolve(condition.left, item, values), resolve(condition.right, item, values));
    case 'between': {
      const subject = resolve(condition.subject, item, values);
      return compare('>=', subject, resolve(condition.low, item, values)) && compare('<=', subject, resolve(condition.high, item, values));
    }
    case 'in': {
      const subject = resolve(condition.subject, item, values);
      return condition.options.some((option) => compare('=', subject, resolve(option, item, values)));
    }
    case 'function':
      return callFunction(condition.name, condition.args, item, values);
  }
}

function callFunction(name: string, args: readonly Operand[], item: Item | undefined, values: Values): boolean {
  const subject = resolve(args[0]!, item, values);
  if (name === 'attribute_exists') return subject !== undefined;
  if (name === 'attribute_not_exists') return subject === undefined;
  const argument = resolve(args[1]!, item, values);
  if (name === 'attribute_type') {
    const wanted = argument?.S;
    if (wanted === undefined || !(TYPES as readonly string[]).includes(wanted)) throw new ValidationError(`Invalid ConditionExpression: Invalid attribute type name found; type: ${wanted}`);
    return subject !== undefined && typeOf(subject) === wanted;
  }
  if (subject === undefined || argument === undefined) return false;
  if (name === 'begins_with') return subject.S !== undefined && argument.S !== undefined && subject.S.startsWith(argument.S);
  // contains
  if (subject.S !== undefined) return argument.S !== undefined && subject.S.includes(argument.S);
  if (subject.SS) return argument.S !== undefined && subject.SS.includes(argument.S);
  if (subject.NS) return argument.N !== undefined && subject.NS.some((n) => Number(n) === Number(argument.N));
  if (subject.L) return subject.L.some((element) => equal(element, argument));
  return false;
}

function resolve(operand: Operand, item: Item | undefined, values: Values): AttributeValue | undefined {
  switch (operand.kind) {
    case 'path':
      return item?.[operand.name];
    case 'value': {
      const value = values[operand.ref];
      if (value === undefined) throw new ValidationError(`An expression attribute value used in expression is not defined; attribute value: ${operand.ref}`);
      return value;
    }
    case 'size': {
      const value = resolve(operand.path, item, values);
      if (value === undefined) return undefined;
      const size = value.S?.length ?? value.B?.length ?? value.SS?.length ?? value.NS?.length ?? value.L?.length ?? (value.M && Object.keys(value.M).length);
      return size === undefined ? undefined : { N: String(size) };
    }
    case 'if_not_exists':
      return resolve(operand.path, item, values) ?? resolve(operand.fallback, item, values);
    case 'list_append': {
      const left = resolve(operand.left, item, values)?.L;
      const right = resolve(operand.right, item, values)?.L;
      if (!left || !right) throw new ValidationError('An operand in the update expression has an incorrect data type');
      return { L: [...left, ...right] };
    }
    case 'arith': {
      const left = resolve(operand.left, item, values)?.N;
      const right = resolve(operand.right, item, values)?.N;
      if (left === undefined || right === undefined) throw new ValidationError('An operand in the update expression has an incorrect data type');
      return { N: String(operand.op === '+' ? Number(left) + Number(right) : Number(left) - Number(right)) };
    }
  }
}

function compare(op: string, left: AttributeValue | undefined, right: AttributeValue | undefined): boolean {
  if (left === undefined || right === undefined) return op === '<>' && left !== right;
  if (op === '=') return equal(left, right);
  if (op === '<>') return !equal(left, right);
  const type = typeOf(left);
  if (type !== typeOf(right) || !['S', 'N', 'B'].includes(type)) return false;
  const order = type === 'N' ? Math.sign(Number(left.N) - Number(right.N)) : left[type as 'S']! < right[type as 'S']! ? -1 : left[type as 'S']! > right[type as 'S']! ? 1 : 0;
  return op === '<' ? order < 0 : op === '<=' ? order <= 0 : op === '>' ? order > 0 : order >= 0;
}

function equal(a: AttributeValue, b: AttributeValue): boolean {
  const type = typeOf(a);
  if (type !== typeOf(b)) return false;
  if (type === 'N') return Number(a.N) === Number(b.N);
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The item after an update (a new object; `key` attributes may not change). */
export function applyUpdate(plan: UpdatePlan, item: Item | undefined, values: Values, keyNames: readonly string[]): Item {
  for (const path of [...plan.set.map((a) => a.path), ...plan.remove, ...plan.add.map((a) => a.path), ...plan.delete.map((a) => a.path)]) {
    if (keyNames.includes(path)) throw new ValidationError(`One or more parameter values were invalid: Cannot update attribute ${path}. This attribute is part of the key`);
  }
  // Every right-hand side reads the item as it was before this update.
  const sets = plan.set.map(({ path, value }) => [path, resolve(value, item, values)] as const);
  const adds = plan.add.map(({ path, value }) => [path, item?.[path], resolve(value, item, values)] as const);
  const next: Item = { ...item };
  for (const [path, value] of sets) next[path] = value!;
  for (const path of plan.remove) delete next[path];
  for (const [path, current, value] of adds) {
    if (value?.N === undefined) throw new ValidationError('Only number and set types are modelled for ADD; an operand has an incorrect data type');
    if (current !== undefined && current.N === undefined) throw new ValidationError('An operand in the update expression has an incorrect data type');
    next[path] = { N: String(Number(current?.N ?? 0) + Number(value.N)) };
  }
  if (plan.delete.length > 0) throw new ValidationError('DELETE is not part of the model');
  return next;
}
