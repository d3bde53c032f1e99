import { createHash } from 'node:crypto';
import type { Exchange } from './observing-proxy';

/** A token the function stored in the table (a PutItem DynamoDB accepted). */
export interface StoredTokenEvent {
  readonly at: number;
  readonly tokenSha256: string;
}

/** A shared back-off the function wrote on a lease item (an UpdateItem DynamoDB accepted). */
export interface BackoffEvent {
  readonly at: number;
  readonly notBeforeMs: number;
  readonly reason: string;
}

type AttributeValues = Record<string, { S?: string; N?: string } | undefined>;

interface DynamoDbRequest {
  Item?: AttributeValues;
  UpdateExpression?: string;
  ExpressionAttributeValues?: AttributeValues;
}

/**
 * Reads what the function wrote to DynamoDB from the requests DynamoDB accepted: tokens
 * stored (in clear, as older versions stored them, or sealed, opened with the
 * credentials the benchmark owns) and back-offs recorded on lease items (`notBefore`,
 * `backoffReason`), whatever the placeholder names.
 */
export class TableObserver {
  readonly stored: StoredTokenEvent[] = [];
  readonly backoffs: BackoffEvent[] = [];

  /** `open`: the token inside a sealed value of item `pk`, or undefined. */
  constructor(private readonly open: (sealed: string, pk: string) => string | undefined) {}

  readonly observe = (exchange: Exchange): void => {
    if (exchange.status !== 200) return;
    const target = String(exchange.headers['x-amz-target'] ?? '');
    let request: DynamoDbRequest;
    try {
      request = JSON.parse(exchange.body) as DynamoDbRequest;
    } catch {
      return;
    }
    if (target.endsWith('.PutItem')) this.onPut(exchange.arrivedAt, request);
    else if (target.endsWith('.UpdateItem')) this.onUpdate(exchange.arrivedAt, request);
  };

  private onPut(at: number, { Item: item }: DynamoDbRequest): void {
    const pk = item?.pk?.S;
    if (!pk?.startsWith('token#')) return;
    const sealed = item?.sealedToken?.S;
    const token = item?.accessToken?.S ?? (sealed === undefined ? undefined : this.open(sealed, pk));
    if (token !== undefined) this.stored.push({ at, tokenSha256: sha256(token) });
  }

  private onUpdate(at: number, { UpdateExpression: expression = '', ExpressionAttributeValues: values = {} }: DynamoDbRequest): void {
    const assigned = (attribute: string) => {
      const placeholder = new RegExp(`\\b${attribute}\\s*=\\s*(:\\w+)`).exec(expression)?.[1];
      return placeholder === undefined ? undefined : values[placeholder];
    };
    const notBefore = Number(assigned('notBefore')?.N);
    if (!Number.isFinite(notBefore)) return;
    this.backoffs.push({ at, notBeforeMs: notBefore, reason: assigned('backoffReason')?.S ?? 'unknown' });
  }
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
