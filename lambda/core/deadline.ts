/**
 * Every call to AWS or to the issuer is bounded by the invocation's remaining time
 * (CONTRACT section 7). An abort signal is the sure bound: the SDK's own request
 * timeout only logs a warning unless told otherwise.
 */

/** An epoch-ms instant by which an answer is needed. */
export type Deadline = number;

/**
 * A signal that aborts at `deadlineMs`, or after `capMs` if that comes first. A
 * deadline already past aborts at once, so a late call fails fast instead of hanging.
 */
export function signalBefore(deadlineMs: Deadline, capMs: number, nowMs = Date.now()): AbortSignal {
  const ms = Math.min(capMs, deadlineMs - nowMs);
  return ms > 0 ? AbortSignal.timeout(Math.ceil(ms)) : AbortSignal.abort(new DeadlineReached());
}

/** The reason a call was cut short by our own deadline (not a failure of the peer). */
export class DeadlineReached extends Error {
  override readonly name = 'DeadlineReached';
  constructor() {
    super('the invocation has no time left for this call');
  }
}

/**
 * Waits for `promise` until `deadline` at most: its value, or undefined when the deadline
 * came first (the promise goes on; whoever started it bounds it). No timer outlives the wait.
 */
export async function settledBy<T>(promise: Promise<T>, deadline: Deadline, nowMs: number): Promise<{ value: T } | undefined> {
  const timer: { id?: ReturnType<typeof setTimeout> } = {};
  const expired = new Promise<undefined>((resolve) => {
    timer.id = setTimeout(() => resolve(undefined), Math.max(0, deadline - nowMs));
  });
  try {
    return await Promise.race([promise.then((value) => ({ value })), expired]);
  } finally {
    clearTimeout(timer.id);
  }
}
