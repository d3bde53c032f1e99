/**
 * The faults an AWS client can meet on the wire, and the book that says which request meets
 * which: point faults (the next n matching attempts) and windows (every matching attempt until
 * a time). Each is consulted per attempt, so the SDK's own retries meet them too.
 */

export type WireFault =
  /** DynamoDB or Secrets Manager refuses the call (400, throttling): nothing applied; the SDK retries. */
  | 'throttle'
  /** 500 before anything was applied; the SDK retries. */
  | 'server-error'
  /** Applied, then answered 500: the SDK sends the very same request again. */
  | 'applied-then-500'
  /** Applied, then the connection resets before the answer: the SDK sends it again. */
  | 'applied-then-reset'
  /** The connection resets before the request arrives: nothing applied; the SDK retries. */
  | 'reset'
  /** No connection at all: nothing sent; the SDK retries. */
  | 'refused'
  /** Applied at once, answered 1.2 to 4 s late: past the function's 1.5 s call cap, the answer is lost. */
  | 'slow'
  /** Accepted and never answered, nothing applied. */
  | 'hang'
  /** Applied and never answered. */
  | 'hang-applied';

export const WIRE_FAULTS: readonly WireFault[] = [
  'throttle',
  'server-error',
  'applied-then-500',
  'applied-then-reset',
  'reset',
  'refused',
  'slow',
  'hang',
  'hang-applied',
];

/** Which attempts a rule applies to. */
export interface WireMatch {
  readonly service: 'dynamodb' | 'secretsmanager';
  readonly operation?: string;
  /** DynamoDB: items whose key starts with this (`token#`, `lease#`, `mints#`). */
  readonly pkPrefix?: string;
  /** Only attempts from this container. */
  readonly process?: string;
}

export interface WireAttempt {
  readonly service: 'dynamodb' | 'secretsmanager';
  readonly operation: string;
  readonly pk?: string;
  readonly process: string;
}

interface Rule {
  readonly match: WireMatch;
  readonly fault: WireFault;
  /** Point fault: how many more attempts it takes. */
  remaining?: number;
  /** Window: until when (true time, ms). */
  readonly untilMs?: number;
}

export class WireFaultBook {
  private rules: Rule[] = [];

  /** The next `count` matching attempts meet `fault`. */
  addPoint(match: WireMatch, fault: WireFault, count: number): void {
    this.rules.push({ match, fault, remaining: count });
  }

  /** Every matching attempt meets `fault` until `untilMs`. */
  addWindow(match: WireMatch, fault: WireFault, untilMs: number): void {
    this.rules.push({ match, fault, untilMs });
  }

  /** The fault this attempt meets, if any (point faults first, then windows). */
  faultFor(attempt: WireAttempt, nowMs: number): WireFault | undefined {
    this.rules = this.rules.filter((rule) => (rule.remaining ?? 1) > 0 && (rule.untilMs ?? Infinity) > nowMs);
    const rule = this.rules.find((r) => r.remaining !== undefined && matches(r.match, attempt)) ?? this.rules.find((r) => matches(r.match, attempt));
    if (!rule) return undefined;
    if (rule.remaining !== undefined) rule.remaining -= 1;
    return rule.fault;
  }

  /** True while some rule may still apply (for the calm phase). */
  get active(): boolean {
    return this.rules.length > 0;
  }

  clear(): void {
    this.rules = [];
  }
}

function matches(match: WireMatch, attempt: WireAttempt): boolean {
  return (
    match.service === attempt.service &&
    (match.operation === undefined || match.operation === attempt.operation) &&
    (match.pkPrefix === undefined || (attempt.pk ?? '').startsWith(match.pkPrefix)) &&
    (match.process === undefined || match.process === attempt.process)
  );
}
