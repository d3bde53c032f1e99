import type { CredentialsSource } from '../../lambda/credentials';
import type { IssueRequest, TokenIssuer } from '../../lambda/issuer';
import type { IssuedToken } from '../../lambda/issuer-response';
import type { Backoff, LeaseOutcome, LeaseStore } from '../../lambda/lease-store';
import type { ClientCredentials } from '../../lambda/secret-format';
import type { TokenStore } from '../../lambda/token-store';

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

/** The DynamoDB cache's semantics, in memory: conditional token writes and the lease. */
export class MemoryCache implements TokenStore, LeaseStore {
  readonly tokens = new Map<string, IssuedToken>();
  readonly leases = new Map<string, { holder?: string; leaseUntil: number; backoff?: Backoff }>();

  constructor(private readonly clock: FakeClock) {}

  get(key: string): Promise<IssuedToken | undefined> {
    return Promise.resolve(this.tokens.get(key));
  }

  put(key: string, token: IssuedToken): Promise<IssuedToken> {
    const stored = this.tokens.get(key);
    if (stored && stored.expiresAt >= token.expiresAt) return Promise.resolve(stored);
    this.tokens.set(key, token);
    return Promise.resolve(token);
  }

  acquire(key: string, holder: string, leaseMs: number): Promise<LeaseOutcome> {
    const now = this.clock.now();
    const lease = this.leases.get(key);
    const held = lease && lease.leaseUntil > now;
    const backoff = lease?.backoff && lease.backoff.notBeforeMs > now ? lease.backoff : undefined;
    if (held || backoff) return Promise.resolve({ acquired: false, heldUntilMs: held ? lease.leaseUntil : undefined, backoff });
    this.leases.set(key, { holder, leaseUntil: now + leaseMs, backoff: lease?.backoff });
    return Promise.resolve({ acquired: true });
  }

  release(key: string, holder: string, backoff?: Backoff): Promise<void> {
    const lease = this.leases.get(key);
    if (lease?.holder === holder) this.leases.set(key, { leaseUntil: 0, backoff: backoff ?? lease.backoff });
    return Promise.resolve();
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

/** Credentials that can be replaced, as an operator would; counts reads. */
export class FakeCredentials implements CredentialsSource {
  reads = 0;
  private cached?: ClientCredentials;

  constructor(public current: ClientCredentials = { clientId: 'client-1', clientSecret: 'secret-1' }) {}

  get(): Promise<ClientCredentials> {
    if (!this.cached) {
      this.reads += 1;
      this.cached = this.current;
    }
    return Promise.resolve(this.cached);
  }

  invalidate(): void {
    this.cached = undefined;
  }
}
