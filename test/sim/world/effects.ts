/**
 * What the commands do to the world besides invoking: kill a container, make DynamoDB, Secrets
 * Manager or WLL misbehave for a while or for the next few calls, and rotate a client's secret
 * (WLL first and the operator later, or the other way round).
 */
import { trueNow } from '../environment/virtual-time';
import type { SimContainer } from '../lambda/container';
import type { WireFault, WireMatch } from '../models/wire-faults';
import type { IssuerBehaviour } from '../models/wll-issuer';
import { seconds } from './trace';
import type { World } from './world';

export function kill(world: World, slot: number): void {
  const container = world.fleet.at(slot);
  if (!container) return;
  died(world, container);
  world.trouble(container.name, 'killed by the simulation (its running invocations fail with Runtime.ExitError)');
}

/** The container is gone: its running invocations end, and so do the requests it was waiting on. */
export function died(world: World, container: SimContainer): void {
  container.kill();
  const now = trueNow();
  world.ledger.kills.set(container.name, now);
  for (const invocation of world.ledger.invocations) {
    if (invocation.container !== container.name || invocation.outcome) continue;
    invocation.outcome = { kind: 'killed' };
    invocation.settledAt = now;
  }
  for (const attempt of [...world.ledger.aws, ...world.ledger.issuer]) {
    if (attempt.process !== container.name || attempt.ending !== undefined) continue;
    attempt.ending = 'killed';
    attempt.endedAt = now;
  }
}

export function wireFaultNow(world: World, match: WireMatch, fault: WireFault, count: number): void {
  world.faults.addPoint(match, fault, count);
  world.trouble('faults', `the next ${count} ${describeMatch(match)} attempt${count === 1 ? '' : 's'}: ${fault}`);
}

export function wireOutage(world: World, match: WireMatch, fault: WireFault, durationMs: number): void {
  world.faults.addWindow(match, fault, trueNow() + durationMs);
  world.trouble('faults', `every ${describeMatch(match)} attempt for ${seconds(durationMs)}: ${fault}`);
}

export function issuerTrouble(world: World, behaviour: IssuerBehaviour, durationMs: number | 'once', tokenUrl?: string): void {
  const where = tokenUrl ? new URL(tokenUrl).host : 'every WLL endpoint';
  if (durationMs === 'once') world.issuer.misbehaveOnce(behaviour, tokenUrl);
  else world.issuer.misbehave(behaviour, trueNow() + durationMs, tokenUrl);
  const how = durationMs === 'once' ? 'the next request' : `for ${seconds(durationMs)}`;
  world.trouble('faults', `${where}, ${how}: ${JSON.stringify(behaviour)}`);
}

/**
 * A new secret for `client`. `wll-first`: WLL refuses the old secret at once and the operator
 * puts the new one `gapMs` later. `secret-first`: the operator puts the new one at once (WLL
 * accepts both), and WLL refuses the old one `gapMs` later.
 */
export function rotate(world: World, client: string, order: 'wll-first' | 'secret-first', gapMs: number): void {
  const version = world.clients.addVersion(client);
  const clientId = world.clients.clientId(client);
  world.issuer.grant(clientId, world.clients.credentials(client, version).clientSecret, version);
  const secretIds = [...new Set(world.config.sets.filter((set) => set.client === client).map((set) => set.secretId))];
  // An operator never puts back an older secret than the one in place (rotations may overlap).
  const putSecrets = () => {
    const behind = secretIds.filter((secretId) => (world.secretsManager.currentVersion(secretId)?.version ?? 0) < version);
    for (const secretId of behind) world.secretsManager.put(secretId, world.clients.secretString(client, version), version);
    if (behind.length > 0) world.note('operator', () => `puts ${client} v${version} into ${behind.join(', ')}`);
  };
  const revoke = () => {
    world.issuer.revokeBefore(clientId, version);
    world.note('operator', () => `WLL refuses ${client}'s secrets before v${version}`);
  };
  world.trouble('operator', `rotates ${client} to v${version}, ${order === 'wll-first' ? 'WLL first' : 'secret first'}, the other side ${seconds(gapMs)} later`);
  if (order === 'wll-first') {
    revoke();
    world.later(gapMs, putSecrets);
  } else {
    putSecrets();
    world.later(gapMs, revoke);
  }
}

function describeMatch(match: WireMatch): string {
  const service = match.service === 'dynamodb' ? 'DynamoDB' : 'Secrets Manager';
  return [service, match.operation, match.pkPrefix, match.process && `from ${match.process}`].filter(Boolean).join(' ');
}
