import type { Node } from 'constructs';
import { DEFAULT_REFRESH_MARGIN_SECONDS, MAX_REFRESH_MARGIN_SECONDS } from '../lambda/config';
import type { TokenVendorProps } from './token-vendor';

/** The context keys of CONTRACT section 6, with their defaults in cdk.json. */
export const CONTEXT_KEYS = [
  'wllRegion',
  'wllAudience',
  'allowedAudiences',
  'secretName',
  'allowedPrincipalArns',
  'refreshMarginSeconds',
  'refreshScheduleMinutes',
] as const;

/** A context value of the wrong shape; the message names the key and what it accepts. */
export class ContextError extends Error {
  override readonly name = 'ContextError';
  constructor(key: string, problem: string) {
    super(`Invalid context value for ${key}: ${problem} (set it in cdk.json, or with -c ${key}=...).`);
  }
}

/**
 * Reads the context into construct props. Values come typed from cdk.json and as strings
 * from `-c key=value`, so lists accept a JSON array or a comma-separated string, and the
 * margin a number or a numeric string. An empty value means "use the default". The
 * construct then validates the values themselves.
 */
export function readTokenVendorContext(node: Node): TokenVendorProps {
  return {
    wllRegion: readString(node, 'wllRegion'),
    wllAudience: readString(node, 'wllAudience'),
    allowedAudiences: readList(node, 'allowedAudiences'),
    secretName: readString(node, 'secretName'),
    allowedPrincipalArns: readList(node, 'allowedPrincipalArns'),
    refreshMarginSeconds: readWholeNumber(
      node,
      'refreshMarginSeconds',
      `seconds: use 0 to ${MAX_REFRESH_MARGIN_SECONDS} (default ${DEFAULT_REFRESH_MARGIN_SECONDS})`,
    ),
    refreshScheduleMinutes: readWholeNumber(node, 'refreshScheduleMinutes', 'minutes: use 1 to 1440, or 0 to turn the scheduled refresh off (default 30)'),
  };
}

function readString(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ContextError(key, `expected a string, got ${JSON.stringify(value)}`);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function readList(node: Node, key: string): string[] | undefined {
  let value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value.trim().startsWith('[')) {
    try {
      value = JSON.parse(value);
    } catch {
      throw new ContextError(key, 'it starts with "[" but is not a JSON array');
    }
  }
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || !items.every((item): item is string => typeof item === 'string')) {
    throw new ContextError(key, `expected a list of strings (a JSON array or a comma-separated string), got ${JSON.stringify(value)}`);
  }
  const list = items.map((item) => item.trim()).filter((item) => item !== '');
  return list.length > 0 ? list : undefined;
}

function readWholeNumber(node: Node, key: string, accepted: string): number | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number)) {
    throw new ContextError(key, `${JSON.stringify(value)} is not a whole number of ${accepted}`);
  }
  return number;
}
