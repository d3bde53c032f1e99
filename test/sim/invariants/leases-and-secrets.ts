/**
 * The lease and the secret. Every lease the table granted is let go by the container that took
 * it before it lapses, unless that container died: a lease nobody lets go makes every container
 * wait for a token nobody is minting. And a container whose copy of the secret is older than a
 * refusal reads the secret again at once: once the operator has put accepted credentials, no
 * caller fails with rejected credentials for want of a re-read.
 */
import { SECRET_REREAD_INTERVAL_MS } from '../../../lambda/protocol/token-service';
import { CLOCK_SKEW_TOLERANCE_MS } from '../../../lambda/core/clock-skew';
import { LEASE_KEY_PREFIX } from '../../../lambda/table/lease-store';
import { trueNow } from '../environment/virtual-time';
import type { World } from '../world/world';
import { violated, type Invariant } from './invariant';
import type { KnownDefect } from './violation';
import { attemptsNaming, tenures, type Tenure } from './observations';
import { seconds } from '../world/trace';

const leaseChecked = new WeakMap<World, Set<string>>();

function orphanCause(world: World, tenure: Tenure): KnownDefect | undefined {
  if (!tenure.attempt) return undefined;
  const sameCall = world.ledger.callAttempts(tenure.attempt.invocationId);
  const refusedOwn = sameCall.some(
    (a) => a.attempt > tenure.attempt!.attempt && (a.delivered?.body.Item as Record<string, { S?: string }> | undefined)?.leaseId?.S === tenure.leaseId,
  );
  return refusedOwn ? 'sdk-retry-lease-orphan' : undefined;
}

export const leaseLetGo: Invariant = {
  id: 'lease-let-go',
  contract: 'CONTRACT 3 and 7 (one fenced lease per key); docs/protocol.md 2: the holder always lets go, and an acquisition whose answer is lost is treated as held and let go',
  afterStep(world) {
    this.atEnd!(world);
  },
  atEnd(world) {
    const done = leaseChecked.get(world) ?? new Set<string>();
    leaseChecked.set(world, done);
    for (const tenure of tenures(world)) {
      if (done.has(tenure.leaseId) || tenure.untilTrue > trueNow()) continue;
      done.add(tenure.leaseId);
      const killedAt = world.ledger.kills.get(tenure.container);
      if (killedAt !== undefined && killedAt <= tenure.untilTrue) continue;
      const releases = attemptsNaming(world, tenure.container, LEASE_KEY_PREFIX + tenure.key, tenure.leaseId).filter(
        (a) => a.invocationId !== tenure.attempt?.invocationId,
      );
      if (releases.length > 0) continue;
      violated(
        this,
        `${tenure.container} took the lease of ${world.clients.key(tenure.key)?.label} (id ${tenure.leaseId.slice(0, 8)}) and never let it go: it lapsed ${seconds(trueNow() - tenure.untilTrue)} ago, after ${seconds(tenure.untilTrue - tenure.acquiredAt)} in which nobody could take it`,
        orphanCause(world, tenure),
      );
    }
  },
};

export const secretReadAgain: Invariant = {
  id: 'secret-reread',
  contract: 'CONTRACT 2: a secret updated by an operator is picked up at once after a refusal whenever the credentials in hand were read before the refusal was first seen',
  onSettled(world, invocation) {
    const outcome = invocation.outcome;
    if (outcome?.kind !== 'error' || outcome.name !== 'CredentialsError' || (outcome.error as { reason?: string }).reason !== 'rejected') return;
    const set = world.config.sets.find((s) => s.name === invocation.set)!;
    const current = world.secretsManager.currentVersion(set.secretId)!;
    // Only a secret that was in place before the call and that WLL accepts must have been picked up.
    if (current.putAt > invocation.startedAt || !world.issuer.accepts(world.clients.credentials(set.client, current.version).clientSecret)) return;
    const attempts = world.ledger.aws.filter((a) => a.service === 'secretsmanager' && a.process === invocation.container && a.input.SecretId === set.secretId && a.sentAt <= invocation.settledAt!);
    // Secrets Manager in trouble during the call: the last credentials read stay in use (CONTRACT 7).
    if (attempts.some((a) => a.sentAt >= invocation.startedAt && (a.fault !== undefined || a.ending !== 'answer'))) return;
    const reads = attempts.filter((a) => a.ending === 'answer' && a.delivered?.status === 200);
    const lastRead = reads[reads.length - 1];
    const versionId = lastRead?.delivered?.body.VersionId;
    const readVersion = Number((typeof versionId === 'string' ? versionId : 'v0').slice(1));
    if (!lastRead || readVersion === current.version) return;
    const firstRefusal = world.ledger.issuer.find(
      (a) => a.ending === 'answer' && (a.status === 401 || a.status === 403) && a.clientId === world.clients.clientId(set.client) && a.secretVersion === readVersion,
    );
    if (!firstRefusal) return;
    const refusedAt = firstRefusal.endedAt!;
    // A read tried since the refusal that Secrets Manager failed counts for the re-read interval (docs/protocol.md 5, 8).
    const triedSince = attempts.some((a) => a.sentAt >= refusedAt - CLOCK_SKEW_TOLERANCE_MS && invocation.settledAt! - a.sentAt < SECRET_REREAD_INTERVAL_MS + CLOCK_SKEW_TOLERANCE_MS);
    if (lastRead.endedAt! + CLOCK_SKEW_TOLERANCE_MS < refusedAt && !triedSince) {
      violated(this, `inv#${invocation.id} failed with rejected credentials: ${invocation.container} last read ${set.secretId} (v${readVersion}) ${seconds(refusedAt - lastRead.endedAt!)} before WLL first refused it, and did not read v${current.version} again`);
    }
    if (invocation.settledAt! - lastRead.endedAt! > SECRET_REREAD_INTERVAL_MS + CLOCK_SKEW_TOLERANCE_MS && !triedSince) {
      violated(this, `inv#${invocation.id} failed with rejected credentials: ${invocation.container} last read ${set.secretId} ${seconds(invocation.settledAt! - lastRead.endedAt!)} ago, longer than the re-read interval`);
    }
  },
};

export const livenessAfterCalm: Invariant = {
  id: 'liveness',
  contract: 'Issue 21 (CONTRACT 7): once faults stop, every container is served within one lease plus one issuer budget',
  onSettled(_world, invocation) {
    if (invocation.kind !== 'probe' || !invocation.outcome || invocation.outcome.kind === 'token') return;
    const outcome = invocation.outcome;
    violated(this, `inv#${invocation.id} (a probe after the faults stopped) in ${invocation.container} for ${invocation.set} ${outcome.kind === 'error' ? `failed with ${outcome.name}: ${outcome.message}` : `ended: ${outcome.kind}`}`);
  },
};

export const noSecretsInLogs: Invariant = {
  id: 'no-secret-in-logs',
  contract: 'CONTRACT 4 and DESIGN: never a secret or a token in a log line or an error message',
  atEnd(world) {
    const secrets = world.clients.allSecrets();
    const tokens = world.issuer.mints.map((m) => m.accessToken);
    const texts = [
      ...world.ledger.logs.map((line) => ({ where: `a log line of ${line.process}`, text: `${line.message} ${JSON.stringify(line.fields ?? {})}` })),
      ...world.ledger.invocations.flatMap((i) => (i.outcome?.kind === 'error' ? [{ where: `inv#${i.id}'s error`, text: i.outcome.message }] : [])),
    ];
    for (const { where, text } of texts) {
      if (secrets.some((s) => text.includes(s))) violated(this, `${where} contains a client secret`);
      if (tokens.some((t) => text.includes(t))) violated(this, `${where} contains a token`);
    }
  },
};
