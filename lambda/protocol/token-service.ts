/**
 * One credential set's token service: gets the set's credentials, derives the token's cache key
 * and seal, and lets the protocol decide; after a refusal it reads the secret again and retries
 * once when the credentials really changed.
 */
import { tokenCacheKey } from './cache-key';
import type { CredentialsSource } from '../credentials/secrets-manager';
import type { Deadline } from '../core/deadline';
import { CredentialsError } from '../core/errors';
import type { IssuedToken } from '../core/token';
import { credentialsRef } from '../table/mint-counter';
import { RememberedRejectionError } from './protocol-errors';
import { putSecretCommand, type ClientCredentials } from '../credentials/secret-format';
import type { TokenKey, TokenProtocol, TokenSource } from './token-protocol';
import { tokenSealFor, type TokenSeal } from '../table/token-seal';

export type { TokenSource };

export interface VendRequest {
  readonly audience: string;
  readonly forceRefresh: boolean;
  /** With `forceRefresh`: the hex SHA-256 of the token the caller's WLL call was refused with. */
  readonly replacesTokenSha256?: string;
  /** Epoch ms by which the answer is needed. */
  readonly deadlineMs: Deadline;
  /** Epoch ms when the invocation began. */
  readonly startedAtMs: number;
}

export interface VendedToken extends IssuedToken {
  readonly audience: string;
  readonly source: TokenSource;
  /** Time spent waiting for another container's issuer request, in ms. */
  readonly waitedMs: number;
}

export interface TokenServiceSettings {
  readonly tokenUrl: string;
  readonly credentialsSecretId: string;
}

/**
 * After the issuer refuses the credentials, a container reads the secret again at once if
 * its copy is older than the refusal (CONTRACT section 2); a copy read since is read again
 * at most this often while refusals go on, so new credentials an operator puts after the
 * refusal are picked up within this, and a wave of refused callers does not become a wave
 * of Secrets Manager calls (section 7).
 */
export const SECRET_REREAD_INTERVAL_MS = 30_000;

/**
 * What the handler calls: gets the credentials, derives the token's key, and lets the
 * refresh protocol decide. When the issuer refuses the credentials, the secret may have
 * been replaced by an operator: it is read again and the request retried once, only if
 * the credentials really changed (CONTRACT section 2).
 */
export class TokenService {
  private readonly derived = new WeakMap<ClientCredentials, { seal: TokenSeal; credentialsRef: string }>();

  constructor(
    private readonly settings: TokenServiceSettings,
    private readonly credentials: CredentialsSource,
    private readonly protocol: TokenProtocol,
  ) {}

  async vend(request: VendRequest): Promise<VendedToken> {
    const { audience, deadlineMs } = request;
    const served = await this.withCredentials(audience, deadlineMs, (k) =>
      request.forceRefresh ? this.protocol.forceRefresh(k, request.replacesTokenSha256, deadlineMs) : this.protocol.serve(k, deadlineMs, request.startedAtMs),
    );
    return { ...served.token, audience, source: served.source, waitedMs: served.waitedMs };
  }

  /** The scheduled refresh of one audience (see TokenProtocol.refreshIfDue). */
  refreshIfDue(audience: string, keepWarm: boolean, deadlineMs: Deadline): Promise<'refreshed' | 'current' | 'unused'> {
    return this.withCredentials(audience, deadlineMs, (k) => this.protocol.refreshIfDue(k, keepWarm, deadlineMs));
  }

  /** The shared mint count of the credentials in use (for the scheduled report); undefined when unknown. */
  async mintCount(audience: string, deadlineMs: Deadline) {
    const credentials = await this.credentials.get(deadlineMs);
    return this.protocol.mintCount(this.keyFor(credentials, audience), deadlineMs);
  }

  private async withCredentials<T>(audience: string, deadline: Deadline, use: (k: TokenKey) => Promise<T>): Promise<T> {
    const credentials = await this.credentials.get(deadline);
    try {
      return await use(this.keyFor(credentials, audience));
    } catch (error) {
      if (!(error instanceof CredentialsError && error.reason === 'rejected')) throw error;
      // A refusal remembered on the lease item says when it was seen; one met just now is newer than any copy.
      const seenAtMs = error instanceof RememberedRejectionError ? error.seenAtMs : undefined;
      const reread = await this.credentials.reread(deadline, { seenAtMs, minIntervalMs: SECRET_REREAD_INTERVAL_MS });
      if (sameCredentials(reread, credentials)) throw this.withSecretAdvice(error, 'unchanged');
      try {
        return await use(this.keyFor(reread, audience));
      } catch (retryError) {
        const rejectedAgain = retryError instanceof CredentialsError && retryError.reason === 'rejected';
        throw rejectedAgain ? this.withSecretAdvice(retryError, 'changed') : retryError;
      }
    }
  }

  private keyFor(credentials: ClientCredentials, audience: string): TokenKey {
    let derived = this.derived.get(credentials);
    if (!derived) {
      derived = { seal: tokenSealFor(credentials), credentialsRef: credentialsRef(this.settings.tokenUrl, credentials.clientId) };
      this.derived.set(credentials, derived);
    }
    return { key: tokenCacheKey(this.settings.tokenUrl, credentials, audience), audience, credentials, ...derived };
  }

  private withSecretAdvice(error: CredentialsError, secret: 'changed' | 'unchanged'): CredentialsError {
    const secretId = this.settings.credentialsSecretId;
    const state = secret === 'unchanged' ? 'holds the same credentials' : 'held new credentials, refused as well';
    return new CredentialsError(
      'rejected',
      `${error.message} Secret ${secretId} ${state}; to use other credentials, put them with ${putSecretCommand(secretId)}`,
      { cause: error },
    );
  }
}

function sameCredentials(a: ClientCredentials, b: ClientCredentials): boolean {
  return a.clientId === b.clientId && a.clientSecret === b.clientSecret;
}
