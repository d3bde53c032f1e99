/**
 * What every answer promises: a token with more than the margin left and never past its own
 * expiry, of the caller's own set and audience; a failure that is one of the named errors, in
 * time; and a caller who arrived with a servable token leaves with one within 3 s.
 */
import { MAX_MESSAGE_LENGTH, VendorError } from '../../../lambda/core/errors';
import { secondsLeft } from '../../../lambda/core/token';
import { trueNow } from '../environment/virtual-time';
import type { InvocationRecord } from '../world/ledger';
import { seconds } from '../world/trace';
import { violated, type Invariant } from './invariant';
import { functionExpiry, skewOf } from './observations';

const NAMED_ERRORS = new Set(['ConfigurationError', 'BadRequestError', 'CredentialsError', 'IssuerError', 'RateLimitedError']);

export const margin: Invariant = {
  id: 'margin',
  contract: 'CONTRACT 1 and 4: a token is never handed out with the margin or less left; expiresIn is always more than the margin',
  onSettled(world, invocation) {
    const outcome = invocation.outcome;
    if (outcome?.kind !== 'token') return;
    const token = outcome.token;
    const containerNow = trueNow() + skewOf(world, invocation.container);
    const left = secondsLeft(token, containerNow);
    if (left <= world.config.marginSeconds) {
      violated(this, `inv#${invocation.id} answered ${outcome.mint?.label ?? 'a token'} with expiresIn ${left} s, not more than the ${world.config.marginSeconds} s margin`);
    }
    if (outcome.mint && token.expiresAt > outcome.mint.exp) {
      violated(this, `inv#${invocation.id} answered ${outcome.mint.label} expiring at ${token.expiresAt}, after its own JWT exp ${outcome.mint.exp}`);
    }
  },
};

export const ownSetOnly: Invariant = {
  id: 'own-set',
  contract: "CONTRACT 8: a caller of one credential set never gets another set's token (sets with the same credentials and audience share one)",
  onSettled(world, invocation) {
    const outcome = invocation.outcome;
    if (outcome?.kind !== 'token') return;
    const mint = outcome.mint;
    if (!mint) violated(this, `inv#${invocation.id} answered a token WLL never minted`);
    const set = world.config.sets.find((s) => s.name === invocation.set)!;
    const client = world.config.clients.find((c) => c.name === set.client)!;
    if (mint.clientId !== world.clients.clientId(client.name) || mint.tokenUrl !== client.tokenUrl || mint.audience !== invocation.audience) {
      violated(this, `inv#${invocation.id} for ${invocation.set} ${invocation.audience} answered ${mint.label}, minted for ${mint.clientId} ${mint.audience} at ${mint.tokenUrl}`);
    }
  },
};

export const namedErrorInTime: Invariant = {
  id: 'named-error-in-time',
  contract: 'CONTRACT 4 and 7: every invocation answers before Lambda times it out, with a token or one of the named errors, its message bounded',
  onSettled(_world, invocation) {
    const outcome = invocation.outcome;
    if (outcome?.kind === 'timeout') violated(this, `inv#${invocation.id} ran into Lambda's own timeout`);
    const errors = outcome?.kind === 'error' ? [outcome] : outcome?.kind === 'scheduled' ? outcome.errors : [];
    for (const error of errors) {
      const named = NAMED_ERRORS.has(error.name) && (!('error' in error) || error.error instanceof VendorError);
      if (!named) violated(this, `inv#${invocation.id} failed with ${error.name} (${error.message.slice(0, 300)}), not one of the named errors`);
      if (error.message.length > MAX_MESSAGE_LENGTH) violated(this, `inv#${invocation.id}'s error message has ${error.message.length} characters`);
    }
  },
};

/** A servable token's time above the margin below which the issue 22 (item 5) defect shows. */
const EARLY_REFRESH_DEFECT_WINDOW_MS = 3_400;

export const servableCallerWaitsLittle: Invariant = {
  id: 'servable-no-wait',
  contract: 'CONTRACT 7: while a servable token exists, no caller waits more than 3 s on a refresh, whatever the issuer does: it gets the current token',
  onSettled(world, invocation: InvocationRecord) {
    const held = invocation.heldServable;
    if (!held || invocation.kind !== 'get' || !invocation.outcome || invocation.outcome.kind === 'killed') return;
    const waited = invocation.settledAt! - invocation.startedAt;
    const failed = invocation.outcome.kind !== 'token';
    if (waited <= 3_000 && !failed) return;
    const aboveMarginMs = functionExpiry(world, held) * 1000 - (invocation.startedAt + skewOf(world, invocation.container)) - world.config.marginSeconds * 1000;
    const known = aboveMarginMs <= EARLY_REFRESH_DEFECT_WINDOW_MS ? 'early-refresh-spends-issuer-budget' : undefined;
    violated(
      this,
      `inv#${invocation.id} held ${held.label} (servable, ${seconds(aboveMarginMs)} above the margin) when it began, and ${failed ? 'failed' : 'answered'} after ${seconds(waited)}`,
      known,
    );
  },
};
