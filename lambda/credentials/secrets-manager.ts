/**
 * The client credentials from Secrets Manager: read through a bounded call, kept for at most the
 * configured age, read again at once after a refusal (CONTRACT section 2), and kept in use for up
 * to an hour while Secrets Manager cannot be read (section 7).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { signalBefore, type Deadline } from '../core/deadline';
import { CredentialsError } from '../core/errors';
import { parseCredentialsSecret, putSecretCommand, type ClientCredentials } from './secret-format';

/** Where the vendor gets the client credentials. */
export interface CredentialsSource {
  /** The credentials to use now: a fresh enough copy, else a new read (CONTRACT sections 2 and 7). */
  get(deadline: Deadline): Promise<ClientCredentials>;
  /**
   * Reads the secret again because the issuer refused credentials (CONTRACT section 2): at
   * once when the copy in hand was read before the refusal was seen, else only when it is
   * older than `minIntervalMs` (section 7 bounds Secrets Manager calls); returns what is
   * current afterwards.
   */
  reread(deadline: Deadline, refusal: Refusal): Promise<ClientCredentials>;
}

/** What `reread` needs to know about a refusal of the credentials. */
export interface Refusal {
  /**
   * When the refusal was first seen (epoch ms), in this container or, remembered, in another;
   * absent: just now. A container that read the secret (or tried to) since then may skip the
   * re-read; one whose copy is older may not.
   */
  readonly seenAtMs?: number;
  /** A copy read since the refusal is still read again once it is older than this. */
  readonly minIntervalMs: number;
}

/** CONTRACT section 2: the secret is kept in memory for at most this long... */
export const SECRET_MAX_AGE_MS = 5 * 60 * 1000;
/** ...and, while Secrets Manager cannot be read, the last value read serves this long (section 7). */
export const SECRET_FALLBACK_MAX_AGE_MS = 60 * 60 * 1000;
/** After a failed read with a fallback in hand, Secrets Manager is left alone this long. */
const READ_RETRY_PAUSE_MS = 30_000;
/** A read with a fallback in hand may take this long; without one, the caller has nothing better to do. */
const READ_CAP_WITH_FALLBACK_MS = 1_000;
const READ_CAP_MS = 5_000;

export interface SecretsManagerCredentialsOptions {
  readonly client?: SecretsManagerClient;
  readonly now?: () => number;
  readonly maxAgeMs?: number;
  /** Told when a read fails; `servedStale` when the last credentials read stay in use. */
  readonly onReadFailure?: (error: CredentialsError, servedStale: boolean) => void;
}

/**
 * Reads the credentials secret, keeps the parsed value for a few minutes, and shares one
 * read among concurrent callers. When Secrets Manager fails, the last value read stays in
 * use for up to an hour (a valid token is not worth losing over a read); a malformed value
 * fails at once, since the operator changed it on purpose.
 */
export class SecretsManagerCredentials implements CredentialsSource {
  private readonly client: SecretsManagerClient;
  private readonly now: () => number;
  private readonly maxAgeMs: number;
  private last?: { credentials: ClientCredentials; readAt: number };
  private pending?: Promise<ClientCredentials>;
  /** When the pending read began: a read begun before a refusal cannot answer it. */
  private pendingSince = -Infinity;
  private lastFailureAt = -Infinity;

  constructor(
    private readonly secretId: string,
    private readonly options: SecretsManagerCredentialsOptions = {},
  ) {
    this.client = options.client ?? new SecretsManagerClient({});
    this.now = options.now ?? (() => Date.now());
    this.maxAgeMs = options.maxAgeMs ?? SECRET_MAX_AGE_MS;
  }

  get(deadline: Deadline): Promise<ClientCredentials> {
    const last = this.last;
    const now = this.now();
    if (last && now - last.readAt < this.maxAgeMs) return Promise.resolve(last.credentials);
    // Secrets Manager failed a moment ago: do not make every caller pay for it again.
    if (this.fallback() && now - this.lastFailureAt < READ_RETRY_PAUSE_MS) return Promise.resolve(this.fallback()!);
    return this.read(deadline);
  }

  async reread(deadline: Deadline, refusal: Refusal): Promise<ClientCredentials> {
    const now = this.now();
    const seenAt = refusal.seenAtMs ?? now;
    // A read that began before the refusal may return the refused value: let it end, then judge.
    if (this.pending && this.pendingSince < seenAt) await this.pending.catch(() => undefined);
    if (this.pending) return this.pending;
    // Read (or tried to: Secrets Manager failing is no reason to ask it on every call) since
    // the refusal, and recently: the copy in hand is what the secret holds.
    const lastTry = Math.max(this.last?.readAt ?? -Infinity, this.lastFailureAt);
    if (this.last && lastTry >= seenAt && now - lastTry < refusal.minIntervalMs) return this.last.credentials;
    return this.read(deadline);
  }

  private fallback(): ClientCredentials | undefined {
    return this.last && this.now() - this.last.readAt < SECRET_FALLBACK_MAX_AGE_MS ? this.last.credentials : undefined;
  }

  private read(deadline: Deadline): Promise<ClientCredentials> {
    if (!this.pending) {
      this.pendingSince = this.now();
      this.pending = this.readOnce(deadline).finally(() => {
        this.pending = undefined;
      });
    }
    return this.pending;
  }

  private async readOnce(deadline: Deadline): Promise<ClientCredentials> {
    const readAt = this.now();
    const fallback = this.fallback();
    const capMs = fallback ? READ_CAP_WITH_FALLBACK_MS : READ_CAP_MS;
    const signal = signalBefore(deadline, capMs, readAt);
    let secret: string;
    try {
      secret = await this.fetchSecretString(signal);
    } catch (error) {
      // A binary value is the operator's doing, not an outage: no fallback for it.
      if (error instanceof CredentialsError) throw error;
      const failure = describeReadFailure(this.secretId, error);
      // A read cut short by the invocation's own deadline, before Secrets Manager had its whole
      // time, says nothing about Secrets Manager: it is neither reported nor remembered as its failure.
      const cutByOurDeadline = signal.aborted && deadline - readAt < capMs;
      if (!cutByOurDeadline) {
        this.lastFailureAt = this.now();
        this.options.onReadFailure?.(failure, fallback !== undefined);
      }
      if (fallback) return fallback;
      throw failure;
    }
    const credentials = parseCredentialsSecret(secret, this.secretId);
    this.last = { credentials, readAt };
    return credentials;
  }

  private async fetchSecretString(signal: AbortSignal): Promise<string> {
    // No time left: no request at all, rather than one aborted as it leaves.
    if (signal.aborted) throw signal.reason;
    const output = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }), { abortSignal: signal });
    if (typeof output.SecretString !== 'string') {
      throw new CredentialsError(
        'unavailable',
        `Secret ${this.secretId} holds binary data, not a JSON string: ` +
          `store the credentials as a string with ${putSecretCommand(this.secretId)}`,
      );
    }
    return output.SecretString;
  }
}

/** Turns a Secrets Manager failure into a message an operator can act on. */
function describeReadFailure(secretId: string, error: unknown): CredentialsError {
  const name = error instanceof Error ? error.name : 'UnknownError';
  const advice: Record<string, string> = {
    ResourceNotFoundException: `the secret does not exist (or has no current value): create it, or put a value with ${putSecretCommand(secretId)}`,
    AccessDeniedException: 'the function is not allowed to read it: grant secretsmanager:GetSecretValue on this secret (and kms:Decrypt on its key)',
    DecryptionFailure: "Secrets Manager could not decrypt it: check the secret's KMS key and the function's kms:Decrypt permission",
    InvalidRequestException: 'the secret is not in a readable state (it may be scheduled for deletion): restore it or point CREDENTIALS_SECRET_ID at another secret',
    DeadlineReached: 'this invocation had no time left to read it: try again',
    AbortError: 'Secrets Manager did not answer in the time this invocation had: try again; if it persists, check the Secrets Manager endpoint and the function network',
    TimeoutError: 'Secrets Manager did not answer in the time this invocation had: try again; if it persists, check the Secrets Manager endpoint and the function network',
  };
  // The SDK found no AWS credentials to sign the call with: Secrets Manager was never asked.
  if (name === 'CredentialsProviderError') advice[name] = `the function has no usable AWS credentials to ask Secrets Manager with: ${(error as Error).message}`;
  const what = advice[name] ?? `Secrets Manager answered ${name}: try again; if it persists, check the Secrets Manager service health`;
  return new CredentialsError('unavailable', `Could not read secret ${secretId}: ${what}.`, { cause: error });
}
