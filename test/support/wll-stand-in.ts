import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './read-body';
import { registerSensitive } from './sensitive-values';

/**
 * A stand-in for WLL's token endpoint (an Auth0 tenant; WLL-TOKEN-ENDPOINT.md) on
 * loopback. By default it behaves like the real one: client-credentials grant with a
 * JSON body, 401 for unknown credentials, 403 for an audience the client may not
 * use, 200 with a JWT valid 24 hours. Tests can script failures for the next
 * requests, slow it down, or change its answers, and read how many requests it got.
 */

export interface StandInClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly audiences: readonly string[];
}

/** A scripted answer for one request, instead of the normal behaviour. */
export type ScriptedAnswer =
  | { readonly status: number; readonly body?: string; readonly headers?: Record<string, string> }
  | { readonly hang: true };

export interface WllStandInOptions {
  readonly clients: readonly StandInClient[];
  readonly path?: string;
  /** Delay before each answer, as a real endpoint has (ms). */
  readonly delayMs?: number;
  readonly label?: string;
}

export interface IssuedRecord {
  readonly accessToken: string;
  readonly clientId: string;
  readonly audience: string;
  /** When it was issued (epoch ms). */
  readonly at: number;
}

export class WllStandIn {
  /** Every request received, whatever the answer. */
  requests = 0;
  readonly issued: IssuedRecord[] = [];
  delayMs: number;
  /** Seconds of validity of new tokens; `expires_in` and the JWT `exp` agree. */
  lifetimeSeconds = 86_400;
  /** Leave `expires_in` out of successful answers (the JWT `exp` still says). */
  omitExpiresIn = false;
  /** Leave the `exp` claim out of new JWTs. */
  omitJwtExp = false;
  /**
   * Auth0's fine-grained quotas, when set: each token minted counts against both buckets,
   * every answer reports them (`Auth0-Client-Quota-Limit`, `X-RateLimit-*`), and an
   * exhausted bucket answers 429 with `Retry-After`, as Auth0 does.
   */
  quota?: { perHour: number; perDay: number; rateLimit: number };
  /** Extra headers on every answer (broken or unusual quota headers). */
  extraHeaders: Record<string, string> = {};
  /** What `expires_in` says, when it should differ from the JWT's lifetime (`lifetimeSeconds`). */
  expiresInOverride?: number;
  /** Answer every request with this (after `delayMs`) until cleared; the queue of `enqueue` comes first. */
  always?: ScriptedAnswer;
  private readonly script: ScriptedAnswer[] = [];
  private readonly hanging = new Set<ServerResponse>();
  private clients: StandInClient[];

  private constructor(
    private readonly server: Server,
    options: WllStandInOptions,
  ) {
    this.clients = [...options.clients];
    this.delayMs = options.delayMs ?? 0;
    for (const client of this.clients) registerSensitive(client.clientSecret);
  }

  static async start(options: WllStandInOptions): Promise<WllStandIn> {
    const server = createServer();
    const standIn = new WllStandIn(server, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void standIn.handle(req, res, options.path ?? '/oauth/token'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/oauth/token`;
  }

  /** Answers the next requests with these, in order, then behaves normally again. */
  enqueue(...answers: ScriptedAnswer[]): void {
    this.script.push(...answers);
  }

  /** Replaces the clients it knows, as WLL does when credentials are rotated. */
  setClients(clients: readonly StandInClient[]): void {
    this.clients = [...clients];
    for (const client of clients) registerSensitive(client.clientSecret);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    this.requests += 1;
    // Quota headers describe the state after this request, so they are set as the answer goes out.
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
    res.writeHead = ((...args: unknown[]) => {
      for (const [name, value] of Object.entries({ ...this.quotaHeaders(), ...this.extraHeaders })) res.setHeader(name, value);
      return writeHead(...args);
    });
    const body = await readBody(req);
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const scripted = this.script.shift() ?? this.always;
    if (scripted) return this.answerScripted(res, scripted);
    if (req.method !== 'POST' || req.url !== path) return json(res, 404, { error: 'not_found', error_description: 'Not Found' });
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      return json(res, 400, { error: 'invalid_request', error_description: 'Content-Type must be application/json' });
    }
    let grant: Record<string, unknown>;
    try {
      grant = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return json(res, 400, { error: 'invalid_request', error_description: 'Invalid JSON body' });
    }
    if (grant.grant_type !== 'client_credentials') {
      return json(res, 403, { error: 'unauthorized_client', error_description: 'Grant type not allowed for the client.' });
    }
    if (typeof grant.audience !== 'string' || grant.audience === '') {
      return json(res, 400, { error: 'invalid_request', error_description: 'Missing required parameter: audience' });
    }
    const client = this.clients.find((c) => c.clientId === grant.client_id && c.clientSecret === grant.client_secret);
    if (!client) return json(res, 401, { error: 'access_denied', error_description: 'Unauthorized' });
    if (!client.audiences.includes(grant.audience)) {
      return json(res, 403, {
        error: 'access_denied',
        error_description: `Client is not authorized to access "${grant.audience}". You need to create a client-grant associated to this API.`,
      });
    }
    if (this.quota && this.minted() >= Math.min(this.quota.perHour, this.quota.perDay)) {
      res.setHeader('Retry-After', '3540');
      return json(res, 429, { error: 'too_many_requests', error_description: 'Quota exceeded for client' });
    }
    const accessToken = this.mint(client.clientId, grant.audience);
    this.issued.push({ accessToken, clientId: client.clientId, audience: grant.audience, at: Date.now() });
    const answer: Record<string, unknown> = { access_token: accessToken, token_type: 'Bearer', scope: 'admin' };
    if (!this.omitExpiresIn) answer.expires_in = this.expiresInOverride ?? this.lifetimeSeconds;
    return json(res, 200, answer, { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  }

  private minted(): number {
    return this.issued.length;
  }

  private quotaHeaders(): Record<string, string> {
    if (!this.quota) return {};
    const { perHour, perDay, rateLimit } = this.quota;
    const used = this.minted();
    return {
      'Auth0-Client-Quota-Limit': `b=per_hour;q=${perHour};r=${Math.max(0, perHour - used)};t=3540,b=per_day;q=${perDay};r=${Math.max(0, perDay - used)};t=86340`,
      'X-RateLimit-Limit': String(rateLimit),
      'X-RateLimit-Remaining': String(Math.max(0, rateLimit - this.requests)),
      'X-RateLimit-Reset': String(Math.floor(Date.now() / 1000) + 1),
    };
  }

  private mint(clientId: string, audience: string): string {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { iss: 'https://stand-in.wll.local/', sub: `${clientId}@clients`, aud: audience, iat: now, gty: 'client-credentials' };
    if (!this.omitJwtExp) claims.exp = now + this.lifetimeSeconds;
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const signature = createHash('sha256').update(randomBytes(16)).digest('base64url');
    const token = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(claims)}.${signature}`;
    registerSensitive(token);
    return token;
  }

  private answerScripted(res: ServerResponse, answer: ScriptedAnswer): void {
    if ('hang' in answer) {
      this.hanging.add(res);
      return;
    }
    res.writeHead(answer.status, { 'Content-Type': 'application/json; charset=utf-8', ...answer.headers });
    res.end(answer.body ?? '');
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}
