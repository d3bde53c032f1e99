/**
 * DynamoDB's condition and update expression grammar, parsed into trees the table model
 * evaluates (expression-evaluator.ts). It covers top-level attributes (no nested document
 * paths, which the function never uses): comparisons, BETWEEN, IN, AND/OR/NOT, the condition
 * functions, size, and SET (with +, -, if_not_exists, list_append), REMOVE, ADD and DELETE.
 * Anything else is a ValidationException, so an adapter that starts sending an expression
 * the model does not know fails loudly instead of being answered wrongly.
 */

/** DynamoDB's own 400 ValidationException, with its message. */
export class ValidationError extends Error {
  override readonly name = 'ValidationException';
}

export type Operand =
  | { readonly kind: 'path'; readonly name: string }
  | { readonly kind: 'value'; readonly ref: string }
  | { readonly kind: 'size'; readonly path: Operand }
  | { readonly kind: 'if_not_exists'; readonly path: Operand; readonly fallback: Operand }
  | { readonly kind: 'list_append'; readonly left: Operand; readonly right: Operand }
  | { readonly kind: 'arith'; readonly op: '+' | '-'; readonly left: Operand; readonly right: Operand };

export type Condition =
  | { readonly kind: 'and' | 'or'; readonly left: Condition; readonly right: Condition }
  | { readonly kind: 'not'; readonly operand: Condition }
  | { readonly kind: 'compare'; readonly op: '=' | '<>' | '<' | '<=' | '>' | '>='; readonly left: Operand; readonly right: Operand }
  | { readonly kind: 'between'; readonly subject: Operand; readonly low: Operand; readonly high: Operand }
  | { readonly kind: 'in'; readonly subject: Operand; readonly options: readonly Operand[] }
  | { readonly kind: 'function'; readonly name: string; readonly args: readonly Operand[] };

export interface UpdatePlan {
  readonly set: readonly { readonly path: string; readonly value: Operand }[];
  readonly remove: readonly string[];
  readonly add: readonly { readonly path: string; readonly value: Operand }[];
  readonly delete: readonly { readonly path: string; readonly value: Operand }[];
}

/** The `#name` and `:value` placeholders an expression uses, for DynamoDB's unused-placeholder check. */
export interface Placeholders {
  readonly names: Record<string, string>;
  readonly usedNames: Set<string>;
  readonly usedValues: Set<string>;
}

const CONDITION_FUNCTIONS = new Set(['attribute_exists', 'attribute_not_exists', 'attribute_type', 'begins_with', 'contains']);
const TOKEN = /\s*(#[A-Za-z0-9_]+|:[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*|<>|<=|>=|[()=<>,+\-.[\]]|\S)/y;

class Tokens {
  private readonly list: string[] = [];
  private index = 0;

  constructor(
    text: string,
    private readonly placeholders: Placeholders,
  ) {
    let position = 0;
    TOKEN.lastIndex = 0;
    for (let match = TOKEN.exec(text); match; match = TOKEN.exec(text)) {
      this.list.push(match[1]!);
      position = TOKEN.lastIndex;
    }
    if (text.slice(position).trim() !== '') throw new ValidationError(`Invalid expression: ${text}`);
  }

  peek(offset = 0): string | undefined {
    return this.list[this.index + offset];
  }
  next(): string {
    const token = this.list[this.index++];
    if (token === undefined) throw new ValidationError('Invalid expression: unexpected end of input');
    return token;
  }
  keyword(word: string): boolean {
    if (this.peek()?.toUpperCase() !== word) return false;
    this.index++;
    return true;
  }
  expect(token: string): void {
    const got = this.next();
    if (got !== token) throw new ValidationError(`Invalid expression: expected ${token}, found ${got}`);
  }
  done(): boolean {
    return this.index >= this.list.length;
  }

  /** A top-level attribute: its name, with `#name` resolved and marked used. */
  path(): string {
    const token = this.next();
    if (this.peek() === '.' || this.peek() === '[') throw new ValidationError('Nested document paths are not part of the model');
    if (token.startsWith('#')) {
      const name = this.placeholders.names[token];
      if (name === undefined) throw new ValidationError(`An expression attribute name used in the document path is not defined; attribute name: ${token}`);
      this.placeholders.usedNames.add(token);
      return name;
    }
    if (!/^[A-Za-z_]/.test(token) || token.startsWith(':')) throw new ValidationError(`Invalid expression: expected an attribute, found ${token}`);
    return token;
  }

  operand(): Operand {
    const token = this.peek();
    if (token?.startsWith(':')) {
      this.placeholders.usedValues.add(this.next());
      return { kind: 'value', ref: token };
    }
    if (this.peek(1) === '(' && token !== undefined && ['size', 'if_not_exists', 'list_append'].includes(token)) {
      this.next();
      this.expect('(');
      const first = token === 'list_append' ? this.operand() : { kind: 'path' as const, name: this.path() };
      if (token === 'size') {
        this.expect(')');
        return { kind: 'size', path: first };
      }
      this.expect(',');
      const second = this.operand();
      this.expect(')');
      return token === 'if_not_exists' ? { kind: 'if_not_exists', path: first, fallback: second } : { kind: 'list_append', left: first, right: second };
    }
    return { kind: 'path', name: this.path() };
  }
}

/** Parses a ConditionExpression. */
export function parseCondition(text: string, placeholders: Placeholders): Condition {
  const tokens = new Tokens(text, placeholders);
  const condition = orCondition(tokens);
  if (!tokens.done()) throw new ValidationError(`Invalid ConditionExpression: unexpected ${tokens.peek()}`);
  return condition;
}

function orCondition(tokens: Tokens): Condition {
  let left = andCondition(tokens);
  while (tokens.keyword('OR')) left = { kind: 'or', left, right: andCondition(tokens) };
  return left;
}

function andCondition(tokens: Tokens): Condition {
  let left = notCondition(tokens);
  while (tokens.keyword('AND')) left = { kind: 'and', left, right: notCondition(tokens) };
  return left;
}

function notCondition(tokens: Tokens): Condition {
  if (tokens.keyword('NOT')) return { kind: 'not', operand: notCondition(tokens) };
  if (tokens.peek() === '(') {
    tokens.next();
    const inner = orCondition(tokens);
    tokens.expect(')');
    return inner;
  }
  const name = tokens.peek();
  if (name !== undefined && CONDITION_FUNCTIONS.has(name) && tokens.peek(1) === '(') {
    tokens.next();
    tokens.expect('(');
    const args: Operand[] = [{ kind: 'path', name: tokens.path() }];
    while (tokens.peek() === ',') {
      tokens.next();
      args.push(tokens.operand());
    }
    tokens.expect(')');
    return { kind: 'function', name, args };
  }
  const subject = tokens.operand();
  if (tokens.keyword('BETWEEN')) {
    const low = tokens.operand();
    if (!tokens.keyword('AND')) throw new ValidationError('Invalid ConditionExpression: BETWEEN needs AND');
    return { kind: 'between', subject, low, high: tokens.operand() };
  }
  if (tokens.keyword('IN')) {
    tokens.expect('(');
    const options = [tokens.operand()];
    while (tokens.peek() === ',') {
      tokens.next();
      options.push(tokens.operand());
    }
    tokens.expect(')');
    return { kind: 'in', subject, options };
  }
  const op = tokens.next();
  if (!['=', '<>', '<', '<=', '>', '>='].includes(op)) throw new ValidationError(`Invalid ConditionExpression: unexpected ${op}`);
  return { kind: 'compare', op: op as '=', left: subject, right: tokens.operand() };
}

/** Parses an UpdateExpression. */
export function parseUpdate(text: string, placeholders: Placeholders): UpdatePlan {
  const tokens = new Tokens(text, placeholders);
  const plan = { set: [] as { path: string; value: Operand }[], remove: [] as string[], add: [] as { path: string; value: Operand }[], delete: [] as { path: string; value: Operand }[] };
  const seen = new Set<string>();
  while (!tokens.done()) {
    const clause = tokens.next().toUpperCase();
    if (seen.has(clause)) throw new ValidationError(`Invalid UpdateExpression: The "${clause}" section can only be used once in an update expression`);
    seen.add(clause);
    do {
      if (clause === 'SET') {
        const path = tokens.path();
        tokens.expect('=');
        let value = tokens.operand();
        if (tokens.peek() === '+' || tokens.peek() === '-') value = { kind: 'arith', op: tokens.next() as '+', left: value, right: tokens.operand() };
        plan.set.push({ path, value });
      } else if (clause === 'REMOVE') plan.remove.push(tokens.path());
      else if (clause === 'ADD' || clause === 'DELETE') (clause === 'ADD' ? plan.add : plan.delete).push({ path: tokens.path(), value: tokens.operand() });
      else throw new ValidationError(`Invalid UpdateExpression: unexpected ${clause}`);
    } while (tokens.peek() === ',' && tokens.next() === ',');
  }
  const paths = [...plan.set.map((a) => a.path), ...plan.remove, ...plan.add.map((a) => a.path), ...plan.delete.map((a) => a.path)];
  const overlap = paths.find((path, i) => paths.indexOf(path) !== i);
  if (overlap !== undefined) throw new ValidationError(`Invalid UpdateExpression: Two document paths overlap with each other; [${overlap}]`);
  return plan;
}
