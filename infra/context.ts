import type { Node } from 'constructs';
import { DEFAULT_REFRESH_MARGIN_SECONDS, MAX_REFRESH_MARGIN_SECONDS } from '../lambda/config/load-config';
import type { AlarmNotificationProps } from './alarm-topic';
import type { CredentialSetProps, TokenVendorProps } from './token-vendor-props';

/** The context keys of the app (CONTRACT section 6 and later), with their defaults in cdk.json. */
export const CONTEXT_KEYS = [
  'wllRegion',
  'wllAudience',
  'allowedAudiences',
  'secretName',
  'allowedPrincipalArns',
  'refreshMarginSeconds',
  'refreshScheduleMinutes',
  'monthlyTokenBudget',
  'apiCloudWatchRole',
  'credentialSets',
  'alarmTopicArn',
  'alarmEmail',
  'defaultCredentialSet',
  'apiResourcePolicyMaxLength',
] as const;

/** A context value of the wrong shape, or a misspelt key; the message says which and what to use. */
export class ContextError extends Error {
  override readonly name = 'ContextError';
}

function invalidValue(key: string, problem: string): ContextError {
  return new ContextError(`Invalid context value for ${key}: ${problem} (set it in cdk.json, or with -c ${key}=...).`);
}

/**
 * Reads the context into construct props. Values come typed from cdk.json and as strings
 * from `-c key=value`, so lists accept a JSON array or a comma-separated string, and numbers
 * and booleans their string forms. An empty value means "use the default". The construct then
 * validates the values themselves. A key that is not ours but looks like one fails first.
 */
export function readTokenVendorContext(node: Node): TokenVendorProps & AlarmNotificationProps {
  checkContextKeys(node);
  const budget = readWholeNumber(node, 'monthlyTokenBudget', 'tokens: use a whole number of tokens per month, or 0 for no budget alarm (default 0)');
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
    monthlyTokenBudget: budget === 0 ? undefined : budget,
    apiCloudWatchRole: readBoolean(node, 'apiCloudWatchRole'),
    credentialSets: readCredentialSets(node),
    alarmTopicArn: readString(node, 'alarmTopicArn'),
    alarmEmails: readList(node, 'alarmEmail'),
    defaultCredentialSet: readBoolean(node, 'defaultCredentialSet'),
    apiResourcePolicyMaxLength: readWholeNumber(
      node,
      'apiResourcePolicyMaxLength',
      "characters: use the length Service Quotas granted for 'Length, in characters, of API Gateway resource policy' (default 8192)",
    ),
  };
}

const SET_LIST_KEYS = ['allowedAudiences', 'allowedPrincipalArns'];
const SET_STRING_KEYS = ['wllRegion', 'wllAudience', 'secretName'];

/**
 * `credentialSets`: a JSON object from set name to the set's settings, in cdk.json or as a JSON string
 * with -c. Shapes are checked here; names and values by the construct, which names the set and key.
 */
function readCredentialSets(node: Node): Record<string, CredentialSetProps> | undefined {
  const key = 'credentialSets';
  let value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw invalidValue(key, 'it is not valid JSON: give a JSON object such as {"eu-prod": {"secretName": "wll/eu-prod"}}');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidValue(key, `expected a JSON object from set name to settings, such as {"eu-prod": {"wllRegion": "eu"}}, got ${JSON.stringify(value).slice(0, 80)}`);
  }
  const sets = Object.entries(value as Record<string, unknown>);
  if (sets.length === 0) return undefined;
  return Object.fromEntries(sets.map(([name, settings]) => [name, readCredentialSet(name, settings)]));
}

function readCredentialSet(name: string, settings: unknown): CredentialSetProps {
  const invalid = (problem: string): ContextError => invalidValue('credentialSets', `set '${name.slice(0, 60)}': ${problem}`);
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    throw invalid(`expected an object with the set's settings (or {} for the defaults), got ${JSON.stringify(settings).slice(0, 80)}`);
  }
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(settings as Record<string, unknown>)) {
    if (SET_LIST_KEYS.includes(key)) {
      const list = typeof item === 'string' ? item.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '') : item;
      if (!Array.isArray(list) || !list.every((entry) => typeof entry === 'string')) {
        throw invalid(`${key}: expected a list of strings, got ${JSON.stringify(item).slice(0, 80)}`);
      }
      result[key] = list;
    } else if (SET_STRING_KEYS.includes(key)) {
      if (typeof item !== 'string') throw invalid(`${key}: expected a string, got ${JSON.stringify(item).slice(0, 80)}`);
      result[key] = item;
    } else if (key === 'monthlyTokenBudget') {
      const number = typeof item === 'string' && /^\s*\d+\s*$/.test(item) ? Number(item) : item;
      if (typeof number !== 'number' || !Number.isInteger(number)) {
        throw invalid(`${key}: ${JSON.stringify(item).slice(0, 40)} is not a whole number of tokens per month`);
      }
      result[key] = number;
    } else {
      // Passed on: the construct refuses it, naming the set and listing the settings there are.
      result[key] = item;
    }
  }
  return result;
}

/**
 * Fails on a context key that is not one of {@link CONTEXT_KEYS} but looks like one (another case,
 * a separator, up to two typos, or a shortened form such as `region`): CDK ignores unknown keys, so
 * `-c wllregion=us` would otherwise deploy the default region. Keys of CDK itself (feature flags
 * `@aws-cdk/...`, `aws:cdk:...`, `cdk-...`, look-up results holding `:`) are never checked.
 */
export function checkContextKeys(node: Node): void {
  const known: readonly string[] = CONTEXT_KEYS;
  for (const key of Object.keys(node.getAllContext() as Record<string, unknown>)) {
    if (known.includes(key) || isToolKey(key)) continue;
    const similar = closestKnownKey(key);
    if (similar !== undefined) {
      throw new ContextError(
        `Unknown context key '${key}': did you mean '${similar}'? Context keys are case-sensitive and CDK ignores unknown ones, ` +
          `so '${key}' would have no effect. Use -c ${similar}=... (keys: ${CONTEXT_KEYS.join(', ')}).`,
      );
    }
  }
}

function isToolKey(key: string): boolean {
  return key.startsWith('@') || key.includes(':') || /^cdk-/i.test(key);
}

function closestKnownKey(key: string): string | undefined {
  const given = normalise(key);
  let best: { key: string; distance: number } | undefined;
  for (const candidate of CONTEXT_KEYS) {
    const known = normalise(candidate);
    const distance = editDistance(given, known);
    const shortened = given.length >= 6 && known.includes(given);
    if ((distance <= 2 || shortened) && (best === undefined || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

function normalise(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Levenshtein distance with adjacent transpositions counted as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => rows[i]![j]!;
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, at(i - 2, j - 2) + 1);
      rows[i]![j] = value;
    }
  }
  return at(a.length, b.length);
}

function readString(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidValue(key, `expected a string, got ${JSON.stringify(value)}`);
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
      throw invalidValue(key, 'it starts with "[" but is not a JSON array');
    }
  }
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || !items.every((item): item is string => typeof item === 'string')) {
    throw invalidValue(key, `expected a list of strings (a JSON array or a comma-separated string), got ${JSON.stringify(value)}`);
  }
  const list = items.map((item) => item.trim()).filter((item) => item !== '');
  return list.length > 0 ? list : undefined;
}

function readWholeNumber(node: Node, key: string, accepted: string): number | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number)) {
    throw invalidValue(key, `${JSON.stringify(value)} is not a whole number of ${accepted}`);
  }
  return number;
}

function readBoolean(node: Node, key: string): boolean | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  const word = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (word === 'true' || word === 'false') return word === 'true';
  throw invalidValue(key, `expected true or false, got ${JSON.stringify(value)}`);
}
