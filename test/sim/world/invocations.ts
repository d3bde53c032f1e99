/**
 * Invocations as Lambda delivers them: routed to a container (a cold start takes a moment),
 * run through the set's real token service with the deadline the handler would compute, cut
 * by Lambda's own timeout (which resets the container), and recorded with what the container
 * held when the call began, for the invariants.
 */
import { isServable } from '../../../lambda/core/token';
import { tokenSha256 } from '../../../lambda/core/token-fingerprint';
import { tokenCacheKey } from '../../../lambda/protocol/cache-key';
import type { SimContainer } from '../lambda/container';
import { credentialsInHand, memoryOf, protocolOf } from '../lambda/introspection';
import { asInvocation, asWorld, trueNow } from '../environment/virtual-time';
import type { Mint } from '../models/wll-issuer';
import { died } from './effects';
import type { InvocationKind, InvocationOutcome, InvocationRecord } from './ledger';
import { seconds } from './trace';
import type { World } from './world';

/** As lambda/handler.ts: the handler leaves a second for answering after its last wait. */
const ANSWER_RESERVE_MS = 1_000;

export interface InvocationRequest {
  readonly slot: number;
  readonly set: string;
  readonly audience: string;
  readonly kind: InvocationKind;
  /** For `refused`: the token the caller's WLL call was refused with. */
  readonly replaces?: Mint;
  /** Background traffic: a throttled call goes unremarked. */
  readonly quiet?: boolean;
}

/** Starts an invocation; it runs on in virtual time. Returns false when Lambda throttled it. */
export function startInvocation(world: World, request: InvocationRequest): boolean {
  const container = world.fleet.route(request.slot);
  if (container) world.starting += 1;
  if (!container) {
    if (!request.quiet) world.note('lambda', () => `invocation for slot ${request.slot + 1} throttled: every container is busy`);
    return false;
  }
  // A new environment initializes once; whatever is routed to it meanwhile begins when that is done.
  if (container.readyAt === undefined) {
    container.readyAt = trueNow() + world.lambdaNoise(150, 900);
    const initMs = container.readyAt - trueNow();
    world.note(container.name, () => `cold start (${initMs} ms of init)`);
  }
  const initMs = Math.max(0, container.readyAt - trueNow());
  const step = world.step;
  asWorld(() =>
    setTimeout(() => {
      world.fleet.begun(container);
      world.starting -= 1;
      if (!container.alive) return;
      begin(world, container, request, step);
    }, initMs),
  );
  return true;
}

function begin(world: World, container: SimContainer, request: InvocationRequest, step: number): void {
  const { set, service } = container.set(request.set);
  const startedAtMs = container.now();
  const record: InvocationRecord = {
    id: world.ledger.invocations.length + 1,
    step,
    container: container.name,
    set: set.name,
    audience: request.audience,
    kind: request.kind,
    replaces: request.replaces,
    startedAt: trueNow(),
    deadlineMs: startedAtMs + world.config.timeoutMs - ANSWER_RESERVE_MS,
    ...heldAtStart(world, container, request),
  };
  world.ledger.invocations.push(record);
  world.note(container.name, () => `inv#${record.id} ${describeRequest(record)} begins`);
  const settle = (outcome: InvocationOutcome) => {
    if (record.outcome) return;
    record.outcome = outcome;
    record.settledAt = trueNow();
    const used = keyUsed(container, record);
    // A reported token was current where the call looked only if the call used the key it was held under.
    if (used !== record.key) Object.assign(record, { key: used, replacesWasCurrent: record.replaces === undefined ? undefined : false });
    if (outcome.kind === 'token' && outcome.mint) world.lastAnswered.set(`${record.set} ${record.audience}`, outcome.mint);
    const description = describeOutcome(world, record);
    world.note(container.name, () => `inv#${record.id} ${description}`);
    world.checkEach((invariant) => invariant.onSettled?.(world, record));
  };
  // Lambda's own timeout: the invocation fails and the environment is reset.
  asWorld(() =>
    setTimeout(() => {
      if (record.outcome) return;
      settle({ kind: 'timeout' });
      died(world, container);
    }, world.config.timeoutMs),
  );
  const work = async (): Promise<InvocationOutcome> => {
    if (request.kind === 'scheduled') {
      const errors: { set: string; name: string; message: string }[] = [];
      for (const [each, eachService] of container.services) {
        try {
          await eachService.refreshIfDue(each.defaultAudience, true, record.deadlineMs);
        } catch (error) {
          errors.push({ set: each.name, ...nameAndMessage(error) });
        }
      }
      return { kind: 'scheduled', errors };
    }
    try {
      const token = await service.vend({
        audience: request.audience,
        forceRefresh: request.kind === 'force' || request.kind === 'refused',
        replacesTokenSha256: request.replaces ? tokenSha256(request.replaces.accessToken) : undefined,
        deadlineMs: record.deadlineMs,
        startedAtMs,
      });
      return { kind: 'token', token, mint: world.ledger.mintOf(token.accessToken) };
    } catch (error) {
      return { kind: 'error', error, ...nameAndMessage(error) };
    }
  };
  void container.invoke(() => asInvocation(record.id, work)).then(settle);
}

/** The token key the call will use and the servable token the container holds for it, by the credentials in hand. */
function heldAtStart(world: World, container: SimContainer, request: InvocationRequest): Pick<InvocationRecord, 'key' | 'heldServable' | 'replacesWasCurrent'> {
  if (request.kind === 'scheduled') return {};
  const { set, service } = container.set(request.set);
  const inHand = credentialsInHand(service);
  if (!inHand) return {};
  const key = tokenCacheKey(set.tokenUrl, inHand.credentials, request.audience);
  const held = memoryOf(protocolOf(service)).get(key);
  const servable = held && isServable(held, container.now(), container.config.refreshMarginSeconds) ? world.ledger.mintOf(held.accessToken) : undefined;
  const replacesWasCurrent = request.replaces === undefined ? undefined : servable === request.replaces;
  // Only fresh credentials are surely the call's: stale ones are read again first (and may change).
  const fresh = container.now() - inHand.readAt < container.config.credentialsMaxAgeSeconds * 1000;
  return { key, heldServable: fresh ? servable : undefined, replacesWasCurrent };
}

/** The token key the call used: the credentials in hand when it ended. */
function keyUsed(container: SimContainer, record: InvocationRecord): string | undefined {
  if (record.kind === 'scheduled') return undefined;
  const { set, service } = container.set(record.set);
  const inHand = credentialsInHand(service);
  return inHand && tokenCacheKey(set.tokenUrl, inHand.credentials, record.audience);
}

function nameAndMessage(error: unknown): { name: string; message: string } {
  return error instanceof Error ? { name: error.name, message: error.message } : { name: typeof error, message: String(error) };
}

function describeRequest(record: InvocationRecord): string {
  const what = record.kind === 'refused' ? `forceRefresh replacing ${record.replaces?.label ?? '?'}` : record.kind;
  const held = record.heldServable ? `, holds ${record.heldServable.label}` : '';
  return record.kind === 'scheduled' ? 'scheduled refresh of every set' : `${what} ${record.set} ${record.audience}${held}`;
}

function describeOutcome(world: World, record: InvocationRecord): string {
  const took = seconds(record.settledAt! - record.startedAt);
  const outcome = record.outcome!;
  switch (outcome.kind) {
    case 'token': {
      const label = outcome.mint?.label ?? 'an unknown token';
      const left = Math.floor((outcome.token.expiresAt * 1000 - (trueNow() + (world.fleet.skewOf(record.container) ?? 0))) / 1000);
      return `answers ${label} from ${outcome.token.source} (expiresIn ${left} s) after ${took}`;
    }
    case 'error':
      return `fails with ${outcome.name} after ${took}: ${outcome.message}`;
    case 'scheduled':
      return `scheduled refresh done after ${took}${outcome.errors.map((e) => `; ${e.set}: ${e.name}: ${e.message}`).join('')}`;
    case 'killed':
      return 'killed';
    case 'timeout':
      return `Lambda timeout (${seconds(world.config.timeoutMs)}): Sandbox.Timedout, the environment is reset`;
  }
}
