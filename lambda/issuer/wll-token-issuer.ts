/**
 * The WLL token endpoint client (WLL-TOKEN-ENDPOINT.md): one client-credentials request with a
 * timeout per attempt, retries with backoff within a budget and the caller's deadline, the
 * answer validated strictly, and every failure turned into the error a caller sees.
 */
import { CredentialsError, IssuerError, RateLimitedError, type IssuerFailureDetails } from '../core/errors';
import type { IssuedToken } from '../core/token';
import { InvalidTokenResponse, parseOAuthError, parseTokenResponse } from './token-response';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, rateLimitWaitMs, type RetryPolicy } from './retry-policy';
import type { ClientCredentials } from '../credentials/secret-format';
import type { IssuerFailureKind } from './failure-kinds';
import { unusableLifetime } from './unusable-answer';

export interface IssueRequest {
  readonly credentials: ClientCredentials;
  readonly audience: string;
  /** Epoch ms by which every attempt and wait is over (the caller's deadline, CONTRACT section 7). */
  readonly deadlineMs: number;
}

/** Mints tokens; the vendor depends on this, not on HTTP. */
export interface TokenIssuer {
  issue(request: IssueRequest): Promise<IssuedToken>;
}

/** Told about every HTTP attempt, for metrics; `headers` when the issuer answered (its quota headers). */
export type IssuerObserver = (attempt: { outcome: 'Success' | IssuerFailureKind; latencyMs: number; headers?: Headers }) => void;

export interface WllTokenIssuerOptions {
  readonly tokenUrl: string;
  readonly policy?: RetryPolicy;
  readonly observe?: IssuerObserver;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** A failure worth another attempt. */
interface RetryableFailure {
  readonly kind: 'Network' | 'Timeout' | 'ServerError' | 'RateLimited' | 'InvalidResponse';
  readonly summary: string;
  readonly details?: IssuerFailureDetails;
  readonly waitMs?: number;
  /** The issuer's own failure (5xx, or a full-length timeout), not ours: worth a shared back-off. */
  readonly issuerFault: boolean;
}

const MAX_TOKEN_BODY_BYTES = 64 * 1024;
const MAX_ERROR_BODY_BYTES = 4 * 1024;
/** An attempt with less time than this left is not worth starting. */
const MIN_ATTEMPT_MS = 250;
/**
 * A timeout that fired this much later than set means this process stood still (frozen, or
 * starved): the issuer may have answered meanwhile, so it is not blamed (CONTRACT section 7).
 */
const STALL_TOLERANCE_MS = 2_000;
const DEFAULT_RATE_LIMIT_SECONDS = 30;

/**
 * The client of WLL's OAuth2 token endpoint (client-credentials grant, JSON body).
 * Retries 5xx, timeouts, network errors and damaged bodies with backoff; sits out a
 * short 429; never retries a 400, 401 or 403.
 */
export class WllTokenIssuer implements TokenIssuer {
  private readonly policy: RetryPolicy;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly host: string;

  constructor(private readonly options: WllTokenIssuerOptions) {
    this.policy = options.policy ?? DEFAULT_RETRY_POLICY;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? (() => Date.now());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.host = new URL(options.tokenUrl).host;
  }

  async issue(request: IssueRequest): Promise<IssuedToken> {
    const startedAt = this.now();
    const deadline = Math.min(startedAt + this.policy.budgetMs, request.deadlineMs);
    let failure: RetryableFailure | undefined;
    // Once one attempt was the issuer's fault (a 5xx, or a whole attempt timeout without an
    // answer), the outcome is, whatever cut the later attempts short (CONTRACT section 7).
    let issuerFault = false;
    let attempts = 0;
    while (attempts < this.policy.maxAttempts && deadline - this.now() >= MIN_ATTEMPT_MS) {
      if (failure) {
        const wait = failure.waitMs ?? backoffDelayMs(this.policy, attempts, this.random);
        if (failure.kind === 'RateLimited' && wait > this.policy.maxRateLimitWaitMs) break;
        if (this.now() + wait + MIN_ATTEMPT_MS > deadline) break;
        await this.sleep(wait);
      }
      attempts += 1;
      const result = await this.attempt(request, deadline);
      if ('accessToken' in result) return result;
      failure = result;
      issuerFault ||= result.issuerFault;
    }
    throw this.finalError(failure, attempts, this.now() - startedAt, issuerFault);
  }

  private async attempt(request: IssueRequest, deadline: number): Promise<IssuedToken | RetryableFailure> {
    const requestedAt = this.now();
    const timeoutMs = Math.max(1, Math.min(this.policy.attemptTimeoutMs, deadline - requestedAt));
    const signal = AbortSignal.timeout(timeoutMs);
    const fullLength = timeoutMs >= this.policy.attemptTimeoutMs;
    let headers: Headers | undefined;
    const observe = (outcome: 'Success' | IssuerFailureKind) =>
      this.options.observe?.({ outcome, latencyMs: this.now() - requestedAt, headers });
    let response: Response;
    let body: { text: string; truncated: boolean };
    try {
      response = await this.fetch(this.options.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({
          client_id: request.credentials.clientId,
          client_secret: request.credentials.clientSecret,
          audience: request.audience,
          grant_type: 'client_credentials',
        }),
        redirect: 'manual',
        signal,
      });
      headers = response.headers;
      const ok = response.status >= 200 && response.status < 300;
      body = await readCapped(response, ok ? MAX_TOKEN_BODY_BYTES : MAX_ERROR_BODY_BYTES);
    } catch (error) {
      const kind = signal.aborted ? 'Timeout' : 'Network';
      observe(kind);
      // Only a request that had its whole attempt time and still got no answer is the issuer's fault;
      // one cut short by our deadline, or a connection that failed on our side, is not.
      const stalled = this.now() - requestedAt > timeoutMs + STALL_TOLERANCE_MS;
      const issuerFault = kind === 'Timeout' && fullLength && !stalled;
      return { kind, issuerFault, summary: kind === 'Timeout' ? `no answer within ${timeoutMs} ms` : `network error (${networkCode(error)})` };
    }

    const status = response.status;
    if (status >= 200 && status < 300) {
      try {
        if (body.truncated) throw new InvalidTokenResponse(`the body is larger than ${MAX_TOKEN_BODY_BYTES} bytes`, false);
        const token = parseTokenResponse(body.text, requestedAt);
        observe('Success');
        return token;
      } catch (error) {
        if (!(error instanceof InvalidTokenResponse)) throw error;
        observe('InvalidResponse');
        if (error.transient) return { kind: 'InvalidResponse', issuerFault: false, summary: `HTTP ${status} with an unusable body (${error.problem})` };
        if (error.lifetime) throw unusableLifetime(error.problem);
        throw new IssuerError(
          `The WLL token endpoint answered HTTP ${status} with an unusable token response: ${error.problem}. ` +
            'Nothing was cached; try again later, and report it to WLL if it persists.',
          { httpStatus: status },
        );
      }
    }

    const oauth = parseOAuthError(body.text, [request.credentials.clientSecret]);
    const details: IssuerFailureDetails = { httpStatus: status, oauthError: oauth.error, oauthErrorDescription: oauth.description };
    const said = [oauth.error, oauth.description].filter(Boolean).join(': ');
    const answer = `HTTP ${status}${said ? ` ${said}` : ''}`;
    if (status === 429) {
      observe('RateLimited');
      const waitMs = rateLimitWaitMs(response.headers, this.now());
      return { kind: 'RateLimited', issuerFault: true, summary: answer, details, waitMs };
    }
    if (status >= 500) {
      observe('ServerError');
      return { kind: 'ServerError', issuerFault: true, summary: answer, details };
    }
    if (status === 401 || status === 403) {
      observe('Rejected');
      throw new CredentialsError('rejected', rejectionMessage(status, oauth.error, request.audience, answer), {
        cause: new IssuerError(answer, details),
      });
    }
    observe('BadRequest');
    throw new IssuerError(
      `The WLL token endpoint refused the request (${answer}). Check the audience '${request.audience}' ` +
        'and WLL_TOKEN_URL; retrying the same request will not help.',
      details,
    );
  }

  private finalError(failure: RetryableFailure | undefined, attempts: number, elapsedMs: number, issuerFault: boolean): Error {
    const tries = `${attempts} attempt${attempts === 1 ? '' : 's'} in ${(elapsedMs / 1000).toFixed(1)} s`;
    if (failure?.kind === 'RateLimited') {
      const seconds = failure.waitMs === undefined ? DEFAULT_RATE_LIMIT_SECONDS : Math.max(1, Math.ceil(failure.waitMs / 1000));
      return new RateLimitedError(
        seconds,
        `The WLL token endpoint is rate limiting this client (${failure.summary}): retry after ${seconds} seconds. ` +
          'Tokens are cached for their whole lifetime, so repeated 429s mean something else is asking for tokens too.',
      );
    }
    const what = failure ? failure.summary : 'no time left for an attempt';
    return new IssuerError(
      `The WLL token endpoint at ${this.host} failed after ${tries} (last: ${what}). ` +
        "Try again later; if it persists, check WLL's status and the function's network access to that host.",
      { ...failure?.details, issuerFault },
    );
  }
}

function rejectionMessage(status: number, oauthError: string | undefined, audience: string, answer: string): string {
  if (status === 403 && oauthError === 'unauthorized_client') {
    return `The WLL token endpoint refused the client (${answer}): the client-credentials grant is not enabled for it; ask WLL to enable it.`;
  }
  if (status === 403) {
    return (
      `The WLL token endpoint refused the client for audience '${audience}' (${answer}): ` +
      'ask for an audience these credentials allow (WLL_ALLOWED_AUDIENCES), or ask WLL to allow this one.'
    );
  }
  return `The WLL token endpoint rejected the client credentials (${answer}): check client_id and client_secret in the secret.`;
}

/** Reads at most `maxBytes` of a body, so a huge or endless answer cannot exhaust memory. */
async function readCapped(response: Response, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    chunks.push(value);
  }
}

/** A short, safe name for a network failure: the system error code, never a message. */
function networkCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  return error instanceof Error ? error.name : 'unknown';
}
