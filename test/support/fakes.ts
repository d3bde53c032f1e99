import type { IssueRequest, TokenIssuer } from '../../lambda/issuer';
import type { IssuedToken } from '../../lambda/issuer-response';

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

export type IssuerStep = { lifetimeSeconds?: number } | Error;

/** An issuer that mints numbered tokens, or fails as scripted; counts its requests. */
export class FakeIssuer implements TokenIssuer {
  readonly requests: IssueRequest[] = [];
  private readonly script: IssuerStep[] = [];
  private gate?: Promise<void>;

  constructor(private readonly clock: FakeClock) {}

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
    if (this.gate) await this.gate;
    if (step instanceof Error) throw step;
    const issuedAt = Math.floor(this.clock.now() / 1000);
    return { accessToken: `token-${this.requests.length}`, tokenType: 'Bearer', issuedAt, expiresAt: issuedAt + (step.lifetimeSeconds ?? 86_400) };
  }
}
