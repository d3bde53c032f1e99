import { DEFAULT_SET_NAME, type CredentialSet } from '../config/credential-sets';
import { BadRequestError, NotFoundError } from '../core/errors';

/**
 * Which credential set an invocation is for (CONTRACT section 8), decided from what AWS
 * vouches for and never from the payload: the alias in the invoked ARN (IAM allowed the
 * caller to invoke that alias), and for API events the API resource path (IAM allowed
 * the caller that path). Decided before any secret is read; the rest of the code gets
 * the set itself.
 */

/**
 * The alias API Gateway invokes when the API serves named sets. It cannot be a set's
 * name (set names have no '_'), and no grant but API Gateway's own permission covers it:
 * an API-shaped event that arrives through it really came through the API.
 */
export const API_GATEWAY_ALIAS = 'api_gateway';

/**
 * The alias the EventBridge schedule invokes when the function serves named sets: the only
 * qualifier through which a scheduled event refreshes every set. Like API_GATEWAY_ALIAS, its
 * '_' keeps it apart from every set name, and no grant names it: only the rule's own
 * permission (events.amazonaws.com, for that rule's ARN) covers it.
 */
export const SCHEDULE_ALIAS = 'scheduled_refresh';

/** Set names quoted in a message, at most; the rest are counted. */
const MAX_NAMES_LISTED = 10;

/** The qualifier (version or alias) of an invoked function ARN, when it has one. */
export function invokedQualifier(invokedFunctionArn: unknown): string | undefined {
  if (typeof invokedFunctionArn !== 'string') return undefined;
  // arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
  const qualifier = invokedFunctionArn.split(':')[7];
  return qualifier === '' ? undefined : qualifier;
}

/** True when the function serves named sets (CREDENTIAL_SETS), not the default set alone. */
export function servesNamedSets(sets: readonly CredentialSet[]): boolean {
  return sets.some((set) => set.name !== DEFAULT_SET_NAME);
}

/**
 * True when an event came through the API's own alias, so what API Gateway put in it (the
 * caller's identity, the path) is API Gateway's word. Without named sets there is no such
 * alias: API Gateway invokes the unqualified function, as any invoker of the default set can.
 */
export function cameThroughApi(invokedFunctionArn: unknown): boolean {
  return invokedQualifier(invokedFunctionArn) === API_GATEWAY_ALIAS;
}

/**
 * Lets a scheduled event refresh every set only through the schedule's own alias (CONTRACT
 * section 8): through a set's alias it would reach the other sets' secrets, quotas and
 * counts. Without named sets there is one set, which every invoker may already refresh, so
 * any qualifier will do, as before. Decided before any secret is read; the message names no set.
 */
export function requireScheduleQualifier(sets: readonly CredentialSet[], invokedFunctionArn: unknown): void {
  if (!servesNamedSets(sets) || invokedQualifier(invokedFunctionArn) === SCHEDULE_ALIAS) return;
  throw new BadRequestError(
    `A scheduled event is accepted only through the alias ${SCHEDULE_ALIAS}, which the EventBridge schedule invokes: ` +
      'to get a token, send {} or {"audience": "..."} instead.',
  );
}

/** Through the schedule's alias, only the scheduled event is served: anything else is refused before any secret is read. */
export function refuseOutsideSchedule(invokedFunctionArn: unknown): void {
  if (invokedQualifier(invokedFunctionArn) !== SCHEDULE_ALIAS) return;
  throw new BadRequestError(`The alias ${SCHEDULE_ALIAS} serves the EventBridge schedule only: invoke the alias of your credential set.`);
}

/** The name of the set the invoked ARN selects: the set whose name is the alias, else `default`. */
function setNameOfArn(sets: readonly CredentialSet[], invokedFunctionArn: unknown): string {
  const qualifier = invokedQualifier(invokedFunctionArn);
  return sets.some((set) => set.name === qualifier && qualifier !== DEFAULT_SET_NAME) ? qualifier! : DEFAULT_SET_NAME;
}

/** A direct invocation's set: by alias, else `default`; without a default set, a BadRequestError naming the aliases. */
export function setForInvocation(sets: readonly CredentialSet[], invokedFunctionArn: unknown): CredentialSet {
  const name = setNameOfArn(sets, invokedFunctionArn);
  const set = sets.find((candidate) => candidate.name === name);
  if (set) return set;
  throw new BadRequestError(
    `This function has no default credential set: invoke the alias of a set (Qualifier, or FunctionName <function>:<set>), ` +
      `one of ${listNames(sets)}.`,
  );
}

/**
 * An API request's set: the one its path names (`default` for /token). The path is
 * trusted only when the invocation vouches for it: through the API's own alias, or
 * through the alias of that very set (the unqualified function for `default`); else a
 * direct invoker could name any set in an event shaped like the API's.
 */
export function setForApiPath(sets: readonly CredentialSet[], pathName: unknown, invokedFunctionArn: unknown): CredentialSet {
  const set = typeof pathName === 'string' ? sets.find((candidate) => candidate.name === pathName) : undefined;
  if (!set) {
    throw new NotFoundError(
      pathName === DEFAULT_SET_NAME
        ? 'Nothing is served at /token: this deployment has no default credential set; use GET /sets/{name}/token with the name of a set.'
        : `No credential set '${printable(pathName)}' is served by this API: check the set name in /sets/{name}/token.`,
    );
  }
  const qualifier = invokedQualifier(invokedFunctionArn);
  if (qualifier !== API_GATEWAY_ALIAS && setNameOfArn(sets, invokedFunctionArn) !== set.name) {
    throw new NotFoundError(
      `Set '${set.name}' is not served through ${qualifier === undefined ? 'the unqualified function' : `the function's qualifier '${printable(qualifier)}'`}: ` +
        `API Gateway must invoke the alias ${API_GATEWAY_ALIAS} to serve the sets' paths (an operator's deployment issue).`,
    );
  }
  return set;
}

function listNames(sets: readonly CredentialSet[]): string {
  const names = sets.map((set) => set.name);
  const more = names.length - MAX_NAMES_LISTED;
  return more > 0 ? `${names.slice(0, MAX_NAMES_LISTED).join(', ')} and ${more} more` : names.join(', ');
}

function printable(value: unknown): string {
  const text = typeof value === 'string' ? value : typeof value;
  const clean = text.slice(0, 41).replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}...` : clean;
}
