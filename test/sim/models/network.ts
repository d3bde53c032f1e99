/**
 * One request over the simulated network: it travels to the service (which acts on it when it
 * arrives, whatever the caller does meanwhile), and the answer travels back to the calling
 * process, where it lands on the process's own timer: a frozen container receives it when it is
 * thawed, a killed one never. The caller's abort signal ends the wait at once, as a real HTTP
 * client does, but cannot unsend a request already on its way.
 */
import { asWorld, type SimProcess } from '../environment/virtual-time';

/** What the service does with a request when it arrives. */
export type Arrival<T> =
  /** It answers (after the trip back). */
  | { readonly kind: 'answer'; readonly value: T; readonly extraMs?: number }
  /** The connection breaks on the way back: the caller sees this error. */
  | { readonly kind: 'break'; readonly error: () => Error }
  /** It never answers. */
  | { readonly kind: 'silence' };

export interface Exchange<T> {
  readonly process: SimProcess;
  readonly signal?: AbortSignal | null;
  /** Milliseconds to the service, and back. */
  readonly upMs: number;
  readonly downMs: number;
  /** The error this client raises when its signal aborts the wait. */
  readonly aborted: (signal: AbortSignal) => Error;
  /** Runs at the service when the request arrives. */
  readonly arrive: () => Arrival<T>;
  /** Told when the answer (or a break) reaches the caller, and when the caller stopped waiting. */
  readonly onDelivered?: (outcome: 'answer' | 'break') => void;
  readonly onAbandoned?: () => void;
}

/** Sends one request; resolves with the service's answer as the caller receives it. */
export function exchange<T>(request: Exchange<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: 'answer' | 'break' | 'abort', done: () => void) => {
      if (settled) return;
      settled = true;
      request.signal?.removeEventListener('abort', onAbort);
      if (outcome === 'abort') request.onAbandoned?.();
      else request.onDelivered?.(outcome);
      done();
    };
    const onAbort = () => settle('abort', () => reject(request.aborted(request.signal!)));
    if (request.signal?.aborted) {
      onAbort();
      return;
    }
    request.signal?.addEventListener('abort', onAbort);
    // The service acts at arrival time, on the world's timer: it does not freeze with the caller.
    asWorld(() =>
      setTimeout(() => {
        const arrival = request.arrive();
        if (arrival.kind === 'silence') return;
        const backMs = request.downMs + (arrival.kind === 'answer' ? (arrival.extraMs ?? 0) : 0);
        // The trip back ends on the caller's own timer.
        request.process.run(() =>
          setTimeout(() => {
            if (arrival.kind === 'answer') settle('answer', () => resolve(arrival.value));
            else settle('break', () => reject(arrival.error()));
          }, backMs),
        );
      }, request.upMs),
    );
  });
}

/** The error Node's HTTP clients raise for a connection reset or refused (the SDK retries both). */
export function networkError(code: 'ECONNRESET' | 'ECONNREFUSED'): Error {
  return Object.assign(new Error(code === 'ECONNRESET' ? 'socket hang up' : 'connect ECONNREFUSED'), { code });
}
