/**
 * The direct-invocation entry point (CONTRACT section 4): the event checked strictly into a token
 * request, the credential set chosen from the invoked ARN, and the audience checked against the set.
 */
import { DEFAULT_SET_NAME, type CredentialSet } from '../config/credential-sets';
import { BadRequestError } from '../core/errors';
import { setForInvocation } from './set-selection';
import { SHA256_HEX } from '../core/token-fingerprint';

/** What a caller asks for, whichever entry point it came through. */
export interface TokenRequest {
  /** Undefined: the configured default audience. */
  readonly audience?: string;
  readonly forceRefresh: boolean;
  /** With forceRefresh: the lowercase hex SHA-256 of the token WLL refused (CONTRACT section 4). */
  readonly replacesTokenSha256?: string;
}

const EVENT_FIELDS = ['audience', 'forceRefresh', 'replacesTokenSha256'];
const QUERY_PARAMETERS = ['audience', 'replacesTokenSha256'];
const EVENT_EXAMPLE = '{} or {"audience": "staging.wlloyalty.net", "forceRefresh": true}';
/** Unknown names quoted back in a message, at most; the rest are counted. */
const MAX_NAMES_QUOTED = 5;

/**
 * Parses a direct invocation's event (CONTRACT section 4). Anything unexpected is a
 * BadRequestError, so a malformed event never reaches the issuer.
 */
export function parseInvokeEvent(event: unknown): TokenRequest {
  if (event === null || event === undefined) return { forceRefresh: false };
  if (typeof event !== 'object' || Array.isArray(event)) {
    throw new BadRequestError(`The event must be a JSON object such as ${EVENT_EXAMPLE}.`);
  }
  const fields = event as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((name) => !EVENT_FIELDS.includes(name));
  if (unknown.length > 0) {
    throw new BadRequestError(
      `Unknown field ${quoteNames(unknown)} in the event: the accepted fields are audience, forceRefresh and ` +
        `replacesTokenSha256, as in ${EVENT_EXAMPLE}.`,
    );
  }
  const { audience, forceRefresh } = fields;
  if (audience !== undefined && (typeof audience !== 'string' || audience === '')) {
    throw new BadRequestError('The event field audience must be a non-empty string, such as "wlloyalty.net".');
  }
  if (forceRefresh !== undefined && typeof forceRefresh !== 'boolean') {
    throw new BadRequestError('The event field forceRefresh must be true or false.');
  }
  const replacesTokenSha256 = parseFingerprint(fields.replacesTokenSha256, 'The event field replacesTokenSha256');
  if (replacesTokenSha256 !== undefined && forceRefresh !== true) {
    throw new BadRequestError('The event field replacesTokenSha256 goes with "forceRefresh": true: it names the token to replace.');
  }
  return { audience, forceRefresh: forceRefresh ?? false, replacesTokenSha256 };
}

/**
 * Parses the query string of `GET /token` and `POST /token/refresh`: `audience`, and
 * `replacesTokenSha256` on the refresh route, each given once, not empty.
 */
export function parseQuery(
  single: Record<string, string | undefined> | null | undefined,
  multi: Record<string, string[] | undefined> | null | undefined,
  options: { refresh: boolean },
): { audience?: string; replacesTokenSha256?: string } {
  if (!isParameterMap(single) || !isParameterMap(multi)) {
    throw new BadRequestError('The query string parameters are malformed: send name=value pairs, such as ?audience=wlloyalty.net.');
  }
  const allowed = options.refresh ? QUERY_PARAMETERS : ['audience'];
  const names = new Set([...Object.keys(single ?? {}), ...Object.keys(multi ?? {})]);
  const unknown = [...names].filter((name) => !allowed.includes(name));
  if (unknown.length > 0) {
    const accepted = options.refresh ? 'the parameters are audience and replacesTokenSha256' : 'the only parameter is audience';
    throw new BadRequestError(`Unknown query parameter ${quoteNames(unknown)}: ${accepted}.`);
  }
  const value = (name: string): string | undefined => {
    const many = multi?.[name];
    // Any direct invoker can send an API-shaped event: nothing here is trusted to be a string.
    if (many !== undefined && many !== null && !(Array.isArray(many) && many.every((item) => typeof item === 'string'))) {
      throw new BadRequestError(`The ${name} parameter must be text: give it once, as ?${name}=<value>.`);
    }
    if ((many?.length ?? 0) > 1) throw new BadRequestError(`The ${name} parameter is given more than once: give it once.`);
    const given: unknown = single?.[name] ?? many?.[0];
    if (given !== undefined && given !== null && typeof given !== 'string') {
      throw new BadRequestError(`The ${name} parameter must be text: give it once, as ?${name}=<value>.`);
    }
    if (given === '') throw new BadRequestError(`The ${name} parameter is empty: give a value, or leave the parameter out.`);
    return given ?? undefined;
  };
  const audience = value('audience');
  const replacesTokenSha256 = parseFingerprint(value('replacesTokenSha256'), 'The replacesTokenSha256 parameter');
  return { ...(audience !== undefined && { audience }), ...(replacesTokenSha256 !== undefined && { replacesTokenSha256 }) };
}

function isParameterMap(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'object' && !Array.isArray(value));
}

function parseFingerprint(value: unknown, what: string): string | undefined {
  if (value === undefined) return undefined;
  const hex = typeof value === 'string' ? value.toLowerCase() : undefined;
  if (hex === undefined || !SHA256_HEX.test(hex)) {
    throw new BadRequestError(
      `${what} must be the SHA-256 of the refused token in hex (64 characters 0-9a-f), ` +
        "for example the output of: printf %s \"$TOKEN\" | sha256sum.",
    );
  }
  return hex;
}

/** The audience to use: the set's default when none is named, else one of the set's allowed ones. */
export function resolveAudience(
  requested: string | undefined,
  set: Pick<CredentialSet, 'defaultAudience' | 'allowedAudiences'> & { readonly name?: string },
): string {
  if (requested === undefined) return set.defaultAudience;
  if (!set.allowedAudiences.includes(requested)) {
    const named = set.name !== undefined && set.name !== DEFAULT_SET_NAME;
    throw new BadRequestError(
      `Audience '${printable(requested)}' is not allowed${named ? ` for credential set '${set.name}'` : ''}: ask for one of ` +
        `${set.allowedAudiences.join(', ')} ` +
        (named ? `(an operator can extend the set's allowedAudiences in CREDENTIAL_SETS).` : '(an operator can extend WLL_ALLOWED_AUDIENCES).'),
    );
  }
  return requested;
}

/** Quotes a few names back, and counts the rest, so no input can make a message long. */
function quoteNames(names: readonly string[]): string {
  const quoted = names.slice(0, MAX_NAMES_QUOTED).map((name) => `'${printable(name)}'`).join(', ');
  const more = names.length - MAX_NAMES_QUOTED;
  return more > 0 ? `${quoted} and ${more} more` : quoted;
}

/** Echoes caller input safely: printable characters only, and not too much of it. */
function printable(value: string): string {
  const clean = value.slice(0, 65).replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 64 ? `${clean.slice(0, 64)}...` : clean;
}

/**
 * A direct invocation: the set its alias selects (see setForInvocation), and the event.
 * The event cannot name a set: a field for one is an unknown field like any other.
 */
export function parseInvocation(event: unknown, sets: readonly CredentialSet[], invokedFunctionArn: unknown): { set: CredentialSet; request: TokenRequest } {
  const set = setForInvocation(sets, invokedFunctionArn);
  return { set, request: parseInvokeEvent(event) };
}
