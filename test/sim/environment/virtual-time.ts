/**
 * Virtual time for the simulation, and processes that own their timers.
 *
 * Time is @sinonjs/fake-timers' clock: `Date`, `setTimeout` and friends are faked for the
 * whole simulation process, and time moves only when the world advances it. On top of that,
 * every timer belongs to the process (a simulated container) whose code set it, found through
 * AsyncLocalStorage: a frozen process's timers wait until it is thawed and then fire at once,
 * the way a SIGSTOPped Lambda environment's overdue timers fire after SIGCONT, and a killed
 * process's timers never fire. `AbortSignal.timeout`, which fake timers do not control, is
 * rebuilt on those timers; `Math.random` and `crypto.randomUUID` draw from the owning
 * process's seeded stream. Nothing in lambda/ is changed by this: it is the process around it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import crypto from 'node:crypto';
import { install, type Clock } from '@sinonjs/fake-timers';
import { seededRandom, seededUuid, type Random } from './seeded-random';

interface TimerEntry {
  readonly run: () => void;
  cancelled: boolean;
}

/** A simulated process (one Lambda execution environment): running, frozen between invocations, or killed. */
export class SimProcess {
  state: 'running' | 'frozen' | 'killed' = 'running';
  private deferred: TimerEntry[] = [];

  constructor(
    readonly name: string,
    readonly random: Random,
  ) {}

  /** Runs `fn` as this process: timers it sets and promises it starts belong to it. */
  run<T>(fn: () => T): T {
    return owners.run(this, fn);
  }

  freeze(): void {
    if (this.state === 'running') this.state = 'frozen';
  }

  /** Thaws the process: every timer that came due while it was frozen fires now, in order. */
  thaw(): void {
    if (this.state !== 'frozen') return;
    this.state = 'running';
    for (const entry of this.deferred.splice(0)) if (!entry.cancelled) this.fire(entry);
  }

  /** The process is gone: nothing it set ever runs again. */
  kill(): void {
    this.state = 'killed';
    this.deferred = [];
  }

  /** @internal a timer of this process came due. */
  fire(entry: TimerEntry): void {
    if (this.state === 'killed' || entry.cancelled) return;
    if (this.state === 'frozen') this.deferred.push(entry);
    else this.run(entry.run);
  }
}

const owners = new AsyncLocalStorage<SimProcess>();
const timerEntries = new WeakMap<object, TimerEntry>();
let clock: Clock | undefined;
let worldRandom: Random = seededRandom(0);

/** The wall-clock start of every run: the middle of a month, so no run crosses one (mint counts are monthly). */
export const SIMULATION_EPOCH_MS = Date.UTC(2027, 2, 10, 8, 0, 0);

/**
 * Installs virtual time in this process, once. Every run then starts with `resetVirtualTime`.
 * The SDK's first call reads the shared config files with real I/O, which virtual time cannot
 * order: `prepare` runs before the clock is installed so that read is cached for good.
 */
export function installVirtualTime(): void {
  if (clock) return;
  originals = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout, timeout: AbortSignal.timeout, random: Math.random, randomUUID: crypto.randomUUID };
  clock = install({
    now: SIMULATION_EPOCH_MS,
    // setImmediate stays real: the clock yields to the event loop through it between timers.
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    loopLimit: 100_000_000,
  });
  const fakeSetTimeout = globalThis.setTimeout;
  const fakeClearTimeout = globalThis.clearTimeout;
  const ownedSetTimeout = (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const owner = owners.getStore();
    if (!owner) return fakeSetTimeout(callback, ms, ...args);
    // The callback runs in the async context it was set in (every AsyncLocalStorage), as a real timer's does.
    const inContext = AsyncLocalStorage.snapshot();
    const entry: TimerEntry = { run: () => inContext(() => callback(...args)), cancelled: false };
    const id = fakeSetTimeout(() => owner.fire(entry), ms);
    if (typeof id === 'object' && id !== null) timerEntries.set(id, entry);
    return id;
  };
  globalThis.setTimeout = ownedSetTimeout as typeof setTimeout;
  globalThis.clearTimeout = (id?: Parameters<typeof clearTimeout>[0]) => {
    const entry = typeof id === 'object' && id !== null ? timerEntries.get(id) : undefined;
    if (entry) entry.cancelled = true;
    fakeClearTimeout(id);
  };
  // Node's AbortSignal.timeout runs on a real timer; this one runs on the owner's virtual timer,
  // with the same reason Node gives (a DOMException named TimeoutError).
  AbortSignal.timeout = (ms: number) => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms);
    return controller.signal;
  };
  Math.random = () => (owners.getStore()?.random ?? worldRandom)();
  crypto.randomUUID = () => seededUuid(owners.getStore()?.random ?? worldRandom) as ReturnType<typeof crypto.randomUUID>;
}

let originals: { setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout; timeout: typeof AbortSignal.timeout; random: typeof Math.random; randomUUID: typeof crypto.randomUUID } | undefined;

/** Puts real time and randomness back (for tests of this module; the simulation's process keeps them). */
export function uninstallVirtualTime(): void {
  if (!clock || !originals) return;
  globalThis.setTimeout = originals.setTimeout;
  globalThis.clearTimeout = originals.clearTimeout;
  clock.uninstall();
  AbortSignal.timeout = originals.timeout;
  Math.random = originals.random;
  crypto.randomUUID = originals.randomUUID;
  clock = undefined;
  originals = undefined;
}

function installed(): Clock {
  if (!clock) throw new Error('Virtual time is not installed: call installVirtualTime() first.');
  return clock;
}

/** Starts a run: no timer left from the previous one, the clock at the epoch, the world's random stream reseeded. */
export function resetVirtualTime(seed: number): void {
  const c = installed();
  c.reset();
  c.setSystemTime(SIMULATION_EPOCH_MS);
  worldRandom = seededRandom(seed ^ 0x5eed);
}

/** True time (every container's clock is this plus its skew). */
export function trueNow(): number {
  return installed().now;
}

/** Moves time forward by `ms`, running every timer due on the way with its promises settled in between. */
export async function advance(ms: number): Promise<void> {
  await installed().tickAsync(Math.max(0, ms));
}

/** Runs timers until `done()` or until `limitMs` of virtual time has passed, looking every `stepMs`. */
export async function advanceUntil(done: () => boolean, limitMs: number, stepMs = 100): Promise<void> {
  const c = installed();
  const until = c.now + limitMs;
  while (!done() && c.now < until) await c.tickAsync(Math.min(stepMs, until - c.now));
}

/** Runs `fn` as the world (models, the Lambda service): its timers belong to no process and never freeze. */
export function asWorld<T>(fn: () => T): T {
  return owners.exit(fn);
}

/** The process whose code is running now, if any. */
export function currentProcess(): SimProcess | undefined {
  return owners.getStore();
}

const invocations = new AsyncLocalStorage<number>();

/** Runs `fn` as invocation `id`: the requests it (or a flight it starts) sends are marked with it. */
export function asInvocation<T>(id: number, fn: () => T): T {
  return invocations.run(id, fn);
}

/** The invocation whose code is running now, if any. */
export function currentInvocation(): number | undefined {
  return invocations.getStore();
}
