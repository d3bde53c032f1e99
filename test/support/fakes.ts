import { IssuerError } from '../../lambda/core/errors';
import type { IssueRequest, TokenIssuer } from '../../lambda/issuer/wll-token-issuer';
import type { IssuedToken } from '../../lambda/core/token';

/** A settable clock for unit tests; `sleep` advances it instead of waiting. */
export class FakeClock {
  constructor(public nowMs = 1_800_000_000_000) {}
  readonly now = (): number => this.nowMs;
  readonly sleep = (ms: number): Promise<void> => {
    this.nowMs += ms;
    return Promise.resolve();
  };
  advance(ms: number): void {
    this.nowMs += ms;
  }
}

/**
 * One scripted answer: a token (with a lifetime), an error, or a slow answer that, like the
 * real issuer client, gives up at the request's deadline (our own deadline: no issuer fault).
 */
export type IssuerStep = { lifetimeSeconds?: number; delayMs?: number } | Error;

/** An issuer that mints numbered tokens, or fails as scripted; counts its requests. */
export class FakeIssuer implements TokenIssuer {
  readonly requests: IssueRequest[] = [];
  private readonly script: IssuerStep[] = [];
  private gate?: Promise<void>;
  private readonly prefix = `token-${Math.random().toString(36).slice(2, 8)}-`;

  constructor(private readonly clock: { now(): number }) {}

  enqueue(...steps: IssuerStep[]): void {
    this.script.push(...steps);
  }

  /** Holds every request until the returned function is called. */
  hold(): () => void {
    let open!: () => void;
    this.gate = new Promise((resolve) => (open = resolve));
    return () => {
      this.gate = undefined;
      open();
    };
  }

  async issue(request: IssueRequest): Promise<IssuedToken> {
    this.requests.push(request);
    const step = this.script.shift() ?? {};
    const number = this.requests.length;
    if (this.gate) await this.gate;
    if (step instanceof Error) throw step;
    const { delayMs = 0 } = step;
    if (delayMs > 0) {
      const allowed = Math.max(0, request.deadlineMs - this.clock.now());
      await new Promise((resolve) => setTimeout(resolve, Math.min(delayMs, allowed)));
      if (delayMs > allowed) throw new IssuerError('no answer before the deadline', { issuerFault: false });
    }
    const issuedAt = Math.floor(this.clock.now() / 1000);
    return { accessToken: `${this.prefix}${number}`, tokenType: 'Bearer', issuedAt, expiresAt: issuedAt + (step.lifetimeSeconds ?? 86_400) };
  }

  /** The token of the n-th request (1-based). */
  token(n: number): string {
    return `${this.prefix}${n}`;
  }
}
