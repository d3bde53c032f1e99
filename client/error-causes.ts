/**
 * What the clients' errors keep of the errors behind them. The AWS SDK puts what it read into
 * its errors (an error body's fields as properties, a body it could not parse behind
 * `$responseBodyText` and in the parse error's message), and an answer may hold a token: a
 * client error's `cause` is a copy of what is safe to keep, never the SDK's error itself.
 */
import { oneLine } from './one-line';

interface ErrorFields {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/**
 * Whether an error may quote what the AWS SDK read: a body it could not parse (kept in
 * `$responseBodyText`, and in the parse error's message, which the SDK marks as a
 * deserialization error).
 */
export function quotesAnAnswer(error: object): boolean {
  const { name, message } = error as { name?: unknown; message?: unknown };
  return '$responseBodyText' in error || name === 'SyntaxError' || (typeof message === 'string' && message.includes('Deserialization error'));
}

/**
 * What a client error keeps of the error behind it: its name, a bounded message, its code and
 * AWS metadata, and the same of its own cause; never the error itself. The AWS SDK copies the
 * fields of an error body onto its errors and keeps a body it could not read behind `$response`:
 * an answer holding a token must not reach a log through a cause.
 */
export function safeCause(error: unknown, depth = 0): Error | undefined {
  if (typeof error !== 'object' || error === null || depth > 3) return undefined;
  const e = error as ErrorFields;
  const said = typeof e.message === 'string' && !quotesAnAnswer(e) ? oneLine(e.message, 300) : '(left out: it may quote the answer read)';
  const inner = safeCause(e.cause ?? (Array.isArray(e.errors) ? (e.errors as unknown[])[0] : undefined), depth + 1);
  const copy = new Error(said, inner === undefined ? undefined : { cause: inner }) as Error & { code?: string; $metadata?: unknown };
  copy.name = typeof e.name === 'string' ? oneLine(e.name, 100) : 'Error';
  if (typeof e.code === 'string') copy.code = oneLine(e.code, 100);
  if (e.$metadata !== undefined) copy.$metadata = { httpStatusCode: e.$metadata.httpStatusCode };
  return copy;
}

