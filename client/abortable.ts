/**
 * A wait that the caller's AbortSignal can end at once. The clients share one token request
 * among callers, so one caller's abort must not cancel it: it only stops that caller waiting.
 */

/**
 * Resolves as `promise` does, unless `signal` aborts first: then rejects at once with the
 * signal's reason (an `AbortError`, or a `TimeoutError` for `AbortSignal.timeout`), as `fetch` does.
 * `promise` goes on for whoever else waits on it.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    // Whoever else waits handles its outcome; this caller no longer does.
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
