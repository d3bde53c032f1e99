import type { Lease } from './lease-store';

/**
 * A lease acquisition whose outcome is unknown: the request may have reached DynamoDB and
 * been applied although no answer came back (our call cap or deadline cut it, the
 * connection broke, DynamoDB answered 5xx). If it was applied, the lease is ours under
 * `lease.id` and nobody else can take it until it lapses, so the caller treats it as held
 * and lets it go with the usual fenced release (conditional on that id): a release of an
 * acquisition that never happened changes nothing.
 */
export class AcquisitionInDoubt extends Error {
  override readonly name = 'AcquisitionInDoubt';
  constructor(
    readonly lease: Lease,
    cause: unknown,
  ) {
    super('The refresh lease acquisition got no answer; it may have been applied.', { cause });
  }
}

/** Network errors raised before anything was sent. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * False only when DynamoDB surely did not apply the call: it refused it (a 4xx error such
 * as throttling, a failed condition or access denied) or no connection was ever made.
 */
export function mayHaveBeenApplied(error: unknown): boolean {
  const details = error as { $fault?: unknown; code?: unknown; cause?: { code?: unknown } } | null;
  if (details?.$fault === 'client') return false;
  const code = details?.code ?? details?.cause?.code;
  return !(typeof code === 'string' && NOT_SENT.has(code));
}
