/**
 * WLL's token endpoints (WLL-TOKEN-ENDPOINT.md) behind the issuer client's `fetch` seam: the
 * client-credentials grant with the clients WLL knows (secrets rotate), 401 and 403, and the
 * ways an endpoint misbehaves: slow, hanging, resetting, 5xx (JSON, HTML or empty), 429 with
 * or without `Retry-After`, lifetimes at or below the margin, absurd ones, a JWT `exp` earlier
 * than `expires_in`, and a token minted whose answer never arrives. Every attempt and every
 * token minted is recorded: the invariants count requests and follow each token.
 */
import { currentInvocation, type SimProcess } from '../environment/virtual-time';
import { exchange, networkError } from './network';

export type IssuerBehaviour =
  | { readonly kind: 'slow'; readonly ms: number }
  | { readonly kind: 'hang' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'server-error'; readonly status: 500 | 502 | 503; readonly body: 'json' | 'html' | 'empty' }
  | { readonly kind: 'rate-limited'; readonly retryAfterSeconds: number; readonly header: 'retry-after' | 'ratelimit-reset' | 'none' }
  | { readonly kind: 'short-lifetime'; readonly belowMarginBy: number }
  | { readonly kind: 'absurd-lifetime' }
  | { readonly kind: 'jwt-exp-earlier'; readonly secondsEarlier: number }
  | { readonly kind: 'mint-then-hang' };

/** A token WLL minted (whether or not its answer reached anyone). */
export interface Mint {
  readonly seq: number;
  /** How the trace names it (`T7`): tokens themselves are never printed. */
  readonly label: string;
  readonly accessToken: string;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly secretVersion: number;
  readonly audience: string;
  readonly mintedAt: number;
  /** The JWT's `exp` (epoch s) and the `expires_in` WLL stated. */
  readonly exp: number;
  readonly expiresIn: number;
  readonly attempt: IssuerAttempt;
}

/** One HTTP request to a token endpoint (one attempt of the issuer client). */
export interface IssuerAttempt {
  seq: number;
  readonly process: string;
  /** The invocation whose code sent it (the one that started the flight). */
  readonly invocation?: number;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly audience: string;
  /** The secret's version when WLL knows it, else 0 (unknown or revoked secret). */
  readonly secretVersion: number;
  readonly sentAt: number;
  arrivedAt?: number;
  behaviour?: IssuerBehaviour['kind'];
  status?: number;
  mint?: Mint;
  endedAt?: number;
  ending?: 'answer' | 'break' | 'abort' | 'killed';
}

interface ClientSecret {
  readonly clientId: string;
  readonly version: number;
  revoked: boolean;
}

export interface IssuerWorld {
  now(): number;
  latency(process: string): { upMs: number; downMs: number };
  marginSeconds: number;
  lifetimeSeconds: number;
  attempted(attempt: IssuerAttempt): void;
  minted(mint: Mint): void;
  ended(attempt: IssuerAttempt): void;
}

export class WllIssuerModel {
  readonly mints: Mint[] = [];
  private readonly secrets = new Map<string, ClientSecret>();
  private readonly windows: { tokenUrl?: string; behaviour: IssuerBehaviour; untilMs: number }[] = [];
  private readonly points: { tokenUrl?: string; behaviour: IssuerBehaviour; remaining: number }[] = [];

  constructor(private readonly world: IssuerWorld) {}

  /** WLL accepts `secret` for `clientId` (version `version`) from now on. */
  grant(clientId: string, secret: string, version: number): void {
    this.secrets.set(secret, { clientId, version, revoked: false });
  }

  /** WLL stops accepting every secret of `clientId` older than `version`. */
  revokeBefore(clientId: string, version: number): void {
    for (const secret of this.secrets.values()) if (secret.clientId === clientId && secret.version < version) secret.revoked = true;
  }

  /** True when WLL accepts this secret now. */
  accepts(secret: string): boolean {
    const known = this.secrets.get(secret);
    return known !== undefined && !known.revoked;
  }

  misbehave(behaviour: IssuerBehaviour, untilMs: number, tokenUrl?: string): void {
    this.windows.push({ tokenUrl, behaviour, untilMs });
  }

  misbehaveOnce(behaviour: IssuerBehaviour, tokenUrl?: string): void {
    this.points.push({ tokenUrl, behaviour, remaining: 1 });
  }

  /** No misbehaviour from now on (the calm at the end of a run). */
  calm(): void {
    this.windows.length = 0;
    this.points.length = 0;
  }

  /** The `fetch` one container's issuer client uses. */
  fetchFor(process: SimProcess): typeof fetch {
    return ((url: string | URL, init?: RequestInit) => this.request(process, String(url), init ?? {})) as typeof fetch;
  }

  private request(process: SimProcess, tokenUrl: string, init: RequestInit): Promise<Response> {
    const body = JSON.parse(typeof init.body === 'string' ? init.body : '{}') as Record<string, string>;
    const secret = this.secrets.get(body.client_secret ?? '');
    const attempt: IssuerAttempt = {
      seq: 0,
      process: process.name,
      invocation: currentInvocation(),
      tokenUrl,
      clientId: body.client_id ?? '',
      audience: body.audience ?? '',
      secretVersion: secret && secret.clientId === body.client_id ? secret.version : 0,
      sentAt: this.world.now(),
    };
    this.world.attempted(attempt);
    const end = (ending: IssuerAttempt['ending']) => {
      attempt.endedAt = this.world.now();
      attempt.ending = ending;
      this.world.ended(attempt);
    };
    const { upMs, downMs } = this.world.latency(process.name);
    return exchange<Response>({
      process,
      signal: init.signal,
      upMs,
      downMs,
      // undici rejects with the signal's reason (AbortSignal.timeout's TimeoutError).
      aborted: (signal) => (signal.reason instanceof Error ? signal.reason : new DOMException('This operation was aborted', 'AbortError')),
      arrive: () => this.arrive(attempt, body, secret),
      onDelivered: (outcome) => end(outcome),
      onAbandoned: () => end('abort'),
    });
  }

  private behaviourFor(tokenUrl: string): IssuerBehaviour | undefined {
    const now = this.world.now();
    const point = this.points.find((p) => p.remaining > 0 && (p.tokenUrl ?? tokenUrl) === tokenUrl);
    if (point) {
      point.remaining -= 1;
      return point.behaviour;
    }
    return this.windows.find((w) => w.untilMs > now && (w.tokenUrl ?? tokenUrl) === tokenUrl)?.behaviour;
  }

  private arrive(attempt: IssuerAttempt, body: Record<string, string>, secret: ClientSecret | undefined) {
    attempt.arrivedAt = this.world.now();
    const behaviour = this.behaviourFor(attempt.tokenUrl);
    attempt.behaviour = behaviour?.kind;
    const answer = (status: number, payload: string, headers: Record<string, string> = {}, extraMs = 0) => {
      attempt.status = status;
      const contentType = payload.startsWith('<') ? 'text/html' : 'application/json; charset=utf-8';
      return { kind: 'answer' as const, value: new Response(payload === '' ? null : payload, { status, headers: { 'content-type': contentType, ...headers } }), extraMs };
    };
    if (behaviour?.kind === 'hang') return { kind: 'silence' as const };
    if (behaviour?.kind === 'reset') return { kind: 'break' as const, error: () => new TypeError('fetch failed', { cause: networkError('ECONNRESET') }) };
    if (behaviour?.kind === 'server-error') {
      const payload = behaviour.body === 'json' ? '{"error":"temporarily_unavailable","error_description":"Service unavailable"}' : behaviour.body === 'html' ? '<html><body>Bad gateway</body></html>' : '';
      return answer(behaviour.status, payload);
    }
    if (behaviour?.kind === 'rate-limited') {
      const reset = Math.ceil(this.world.now() / 1000) + behaviour.retryAfterSeconds;
      const headers: Record<string, string> = { 'x-ratelimit-limit': '30', 'x-ratelimit-remaining': '0' };
      if (behaviour.header === 'retry-after') headers['retry-after'] = String(behaviour.retryAfterSeconds);
      if (behaviour.header === 'ratelimit-reset') headers['x-ratelimit-reset'] = String(reset);
      return answer(429, '{"error":"too_many_requests","error_description":"Global limit has been reached"}', headers);
    }
    if (body.grant_type !== 'client_credentials') return answer(403, '{"error":"unauthorized_client","error_description":"Grant type not allowed"}');
    if (!secret || secret.revoked || secret.clientId !== body.client_id) return answer(401, '{"error":"access_denied","error_description":"Unauthorized"}');
    const mint = this.mint(attempt, behaviour);
    if (behaviour?.kind === 'mint-then-hang') return { kind: 'silence' as const };
    const extraMs = behaviour?.kind === 'slow' ? behaviour.ms : 0;
    return answer(200, JSON.stringify({ access_token: mint.accessToken, token_type: 'Bearer', expires_in: mint.expiresIn }), { 'cache-control': 'no-store', pragma: 'no-cache' }, extraMs);
  }

  private mint(attempt: IssuerAttempt, behaviour: IssuerBehaviour | undefined): Mint {
    const seq = this.mints.length + 1;
    const issuedAt = Math.floor(this.world.now() / 1000);
    let expiresIn = this.world.lifetimeSeconds;
    let exp = issuedAt + expiresIn;
    if (behaviour?.kind === 'short-lifetime') {
      expiresIn = Math.max(1, this.world.marginSeconds - behaviour.belowMarginBy);
      exp = issuedAt + expiresIn;
    } else if (behaviour?.kind === 'absurd-lifetime') {
      expiresIn = 40 * 86_400;
      exp = issuedAt + expiresIn;
    } else if (behaviour?.kind === 'jwt-exp-earlier') {
      exp = issuedAt + Math.max(1, expiresIn - behaviour.secondsEarlier);
    }
    const claims = { iss: attempt.tokenUrl, sub: `${attempt.clientId}@clients`, aud: attempt.audience, iat: issuedAt, exp, jti: `sim-${seq}` };
    const accessToken = [{ alg: 'RS256', typ: 'JWT' }, claims].map((part) => Buffer.from(JSON.stringify(part)).toString('base64url')).join('.') + `.sig${seq}`;
    const mint: Mint = {
      seq,
      label: `T${seq}`,
      accessToken,
      tokenUrl: attempt.tokenUrl,
      clientId: attempt.clientId,
      secretVersion: attempt.secretVersion,
      audience: attempt.audience,
      mintedAt: this.world.now(),
      exp,
      expiresIn,
      attempt,
    };
    attempt.mint = mint;
    this.mints.push(mint);
    this.world.minted(mint);
    return mint;
  }
}
