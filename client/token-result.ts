import type { TokenResult, TokenSource } from '../lambda/token-result';
import { UnexpectedError } from './errors';

// The answer's shape is the function's own (CONTRACT section 4): one definition for both sides.
export type { TokenResult, TokenSource } from '../lambda/token-result';

const SOURCES: readonly string[] = ['memory', 'cache', 'issuer'];

/**
 * Checks the service's answer field by field. A failure names the field, never the
 * value: the answer holds a token.
 */
export function parseTokenResult(value: unknown, from: string): TokenResult {
  const fail = (what: string) =>
    new UnexpectedError(`${from} answered with something that is not a token result (${what}): check that it is the WLL token vendor.`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail('not a JSON object');
  const fields = value as Record<string, unknown>;
  const { accessToken, tokenType, expiresAt, expiresIn, audience, source } = fields;
  if (typeof accessToken !== 'string' || accessToken === '') throw fail('no accessToken');
  if (tokenType !== 'Bearer') throw fail('tokenType is not Bearer');
  if (typeof expiresAt !== 'string' || Number.isNaN(Date.parse(expiresAt))) throw fail('no valid expiresAt');
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn < 0) throw fail('no valid expiresIn');
  if (typeof audience !== 'string') throw fail('no audience');
  if (typeof source !== 'string' || !SOURCES.includes(source)) throw fail('no valid source');
  return { accessToken, tokenType, expiresAt, expiresIn, audience, source: source as TokenSource };
}
