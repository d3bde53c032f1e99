/**
 * Secrets Manager as the SDK reaches it (AWS JSON 1.1, GetSecretValue): secrets an operator
 * puts at any moment, each read recorded with the version it returned, and the answers of a
 * throttled call and of a server failure.
 */
import type { AwsAnswer, AwsServiceModel } from './aws-transport';

export interface SecretVersion {
  readonly secretId: string;
  readonly value: string;
  /** The version of the client secret it holds. */
  readonly version: number;
  readonly putAt: number;
}

export interface SecretRead {
  readonly process: string;
  readonly secretId: string;
  readonly version: number;
  readonly at: number;
}

export class SecretsManagerService implements AwsServiceModel {
  readonly service = 'secretsmanager' as const;
  readonly contentType = 'application/x-amz-json-1.1';
  readonly reads: SecretRead[] = [];
  private readonly current = new Map<string, SecretVersion>();

  constructor(private readonly now: () => number) {}

  /** What `aws secretsmanager put-secret-value` does: the new value is current from now on (`version`: the client secret's). */
  put(secretId: string, value: string, version: number): SecretVersion {
    const secret: SecretVersion = { secretId, value, version, putAt: this.now() };
    this.current.set(secretId, secret);
    return secret;
  }

  currentVersion(secretId: string): SecretVersion | undefined {
    return this.current.get(secretId);
  }

  execute(operation: string, input: Record<string, unknown>, process: string): AwsAnswer {
    const secretId = String(input.SecretId);
    const secret = this.current.get(secretId);
    if (operation !== 'GetSecretValue') return { status: 400, body: { __type: 'InvalidRequestException', message: `${operation} is not part of the model` } };
    if (!secret) return { status: 400, body: { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." } };
    this.reads.push({ process, secretId, version: secret.version, at: this.now() });
    return {
      status: 200,
      body: {
        ARN: `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${secretId}-AbCdEf`,
        Name: secretId,
        SecretString: secret.value,
        VersionId: `v${secret.version}`,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: secret.putAt / 1000,
      },
    };
  }

  throttled(): AwsAnswer {
    return { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } };
  }

  serverError(): AwsAnswer {
    return { status: 500, body: { __type: 'InternalServiceError', message: 'An error occurred on the server side.' } };
  }
}
