import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CredentialsError } from './errors';
import { parseCredentialsSecret, putSecretCommand, type ClientCredentials } from './secret-format';

/** Where the vendor gets the client credentials; `invalidate` forces the next `get` to re-read. */
export interface CredentialsSource {
  get(): Promise<ClientCredentials>;
  invalidate(): void;
}

/** CONTRACT section 2: the secret is kept in memory for at most this long. */
export const SECRET_MAX_AGE_MS = 5 * 60 * 1000;

export interface SecretsManagerCredentialsOptions {
  readonly client?: SecretsManagerClient;
  readonly now?: () => number;
  readonly maxAgeMs?: number;
}

/**
 * Reads the credentials secret, keeps the parsed value for a few minutes, and shares
 * one read among concurrent callers. A failed read is not remembered: the next call
 * tries again.
 */
export class SecretsManagerCredentials implements CredentialsSource {
  private readonly client: SecretsManagerClient;
  private readonly now: () => number;
  private readonly maxAgeMs: number;
  private cached?: { credentials: ClientCredentials; readAt: number };
  private pending?: Promise<ClientCredentials>;

  constructor(
    private readonly secretId: string,
    options: SecretsManagerCredentialsOptions = {},
  ) {
    this.client = options.client ?? new SecretsManagerClient({});
    this.now = options.now ?? (() => Date.now());
    this.maxAgeMs = options.maxAgeMs ?? SECRET_MAX_AGE_MS;
  }

  get(): Promise<ClientCredentials> {
    if (this.cached && this.now() - this.cached.readAt < this.maxAgeMs) {
      return Promise.resolve(this.cached.credentials);
    }
    this.pending ??= this.read().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async read(): Promise<ClientCredentials> {
    const readAt = this.now();
    const secret = await this.fetchSecretString();
    const credentials = parseCredentialsSecret(secret, this.secretId);
    this.cached = { credentials, readAt };
    return credentials;
  }

  private async fetchSecretString(): Promise<string> {
    let output;
    try {
      output = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    } catch (error) {
      throw describeReadFailure(this.secretId, error);
    }
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
  };
  const what = advice[name] ?? `Secrets Manager answered ${name}: try again; if it persists, check the Secrets Manager service health`;
  return new CredentialsError('unavailable', `Could not read secret ${secretId}: ${what}.`, { cause: error });
}
