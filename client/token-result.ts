import { isCredentialSetName } from './credential-set';
import { ConfigurationError, UnexpectedError } from './errors';
import { isHeaderSafe } from './header-values';
import { shown } from './quoting';

/** Where the service's answer came from: its container's memory, its DynamoDB cache, or WLL itself. */
export type TokenSource = 'memory' | 'cache' | 'issuer';

/**
 * The service's answer (CONTRACT section 4). Declared here rather than imported from the
 * function's code, so that the clients' published types stand alone; a type test checks that
 * both declarations stay the same.
 */
export interface TokenResult {
  /** The WLL admin API token: send it as `Authorization: Bearer <accessToken>`. Never log it. */
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  /** The token's real expiry, ISO 8601. */
  readonly expiresAt: string;
  /** Whole seconds left until `expiresAt` (counted down by the clients' memory). */
  readonly expiresIn: number;
  /** The audience the token is for, such as `wlloyalty.net`. */
  readonly audience: string;
  readonly source: TokenSource;
  /**
   * The credential set the token is for (CONTRACT section 8): the client's `credentialSet`, or
   * `default`. Absent in the answers of a deployment older than credential sets.
   */
  readonly credentialSet?: string;
}

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
  if (!isHeaderSafe(accessToken)) throw fail('accessToken is not a bearer token an HTTP header can carry');
  if (tokenType !== 'Bearer') throw fail('tokenType is not Bearer');
  if (typeof expiresAt !== 'string' || Number.isNaN(Date.parse(expiresAt))) throw fail('no valid expiresAt');
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn < 0) throw fail('no valid expiresIn');
  if (typeof audience !== 'string') throw fail('no audience');
  if (typeof source !== 'string' || !SOURCES.includes(source)) throw fail('no valid source');
  const { credentialSet } = fields;
  if (credentialSet !== undefined && (typeof credentialSet !== 'string' || !isCredentialSetName(credentialSet))) {
    throw fail('credentialSet is not a set name');
  }
  return {
    accessToken,
    tokenType,
    expiresAt,
    expiresIn,
    audience,
    source: source as TokenSource,
    ...(credentialSet === undefined ? {} : { credentialSet }),
  };
}

/** What a client asked for: its set (`default` for the default set; undefined when it cannot know) and audience. */
export interface Asked {
  readonly credentialSet?: string;
  readonly audience?: string;
}

/**
 * Refuses an answer for another set or audience than the one asked for. A deployment with
 * credential sets answers an alias or path it has no set for with its `default` set's token
 * (CONTRACT section 8), and a set's alias answers with that set's: handing either to a caller
 * who asked for another would send one tenant's token to another's API (ConfigurationError,
 * `setFix` says what to change). A token for another audience than the one asked for means the
 * answer is not the vendor's own (UnexpectedError). An answer without `credentialSet` (a
 * deployment older than sets) cannot be checked for its set.
 */
export function checkAnswered(result: TokenResult, asked: Asked, from: string, setFix: string): TokenResult {
  if (asked.audience !== undefined && result.audience !== asked.audience) {
    throw new UnexpectedError(
      `${from} answered with a token for audience ${shown(result.audience)}, not '${asked.audience}' as asked: check that it is the WLL token vendor. The token was not used.`,
    );
  }
  const set = asked.credentialSet;
  if (set === undefined || result.credentialSet === undefined || result.credentialSet === set) return result;
  throw new ConfigurationError(
    `${from} answered with a token of credential set '${result.credentialSet}', not '${set}' as asked: ${setFix}. The token was not used.`,
  );
}
