import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './read-body';

/**
 * A stand-in for AWS Secrets Manager on loopback, speaking its real protocol (AWS
 * JSON 1.1: POST /, `X-Amz-Target: secretsmanager.GetSecretValue`), so the real SDK
 * client reaches it through AWS_ENDPOINT_URL_SECRETS_MANAGER. It knows
 * GetSecretValue only, with the errors AWS documents for it.
 */
interface StoredSecret {
  readonly name: string;
  readonly arn: string;
  value: { SecretString: string } | { SecretBinary: string };
  versionId: string;
}

export class SecretsManagerStandIn {
  /** GetSecretValue calls by secret name. */
  readonly reads = new Map<string, number>();
  /**
   * What the next calls meet instead of an answer: `hang` accepts the request and never
   * answers; an error answers with that AWS error. Undefined: normal service.
   */
  outage?: 'hang' | { readonly status: number; readonly type: string };
  private readonly secrets = new Map<string, StoredSecret>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<SecretsManagerStandIn> {
    const server = createServer();
    const standIn = new SecretsManagerStandIn(server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void standIn.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  get endpoint(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Creates the secret or gives it a new current version, like PutSecretValue. */
  putSecretString(name: string, value: string): void {
    this.store(name, { SecretString: value });
  }

  putSecretBinary(name: string, value: Uint8Array): void {
    this.store(name, { SecretBinary: Buffer.from(value).toString('base64') });
  }

  deleteSecret(name: string): void {
    this.secrets.delete(name);
  }

  readsOf(name: string): number {
    return this.reads.get(name) ?? 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private store(name: string, value: StoredSecret['value']): void {
    const existing = this.secrets.get(name);
    const arn = existing?.arn ?? `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-${randomUUID().slice(0, 6)}`;
    this.secrets.set(name, { name, arn, value, versionId: randomUUID() });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const target = req.headers['x-amz-target'];
    if (req.method !== 'POST' || target !== 'secretsmanager.GetSecretValue') {
      return awsError(res, 400, 'UnknownOperationException', `Operation ${String(target)} is not supported by this stand-in.`);
    }
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
      return awsError(res, 400, 'MissingAuthenticationTokenException', 'Request is missing Authentication Token');
    }
    let input: { SecretId?: unknown };
    try {
      input = JSON.parse(body) as { SecretId?: unknown };
    } catch {
      return awsError(res, 400, 'SerializationException', 'Malformed request body');
    }
    if (typeof input.SecretId !== 'string' || input.SecretId === '') {
      return awsError(res, 400, 'InvalidParameterException', 'You must provide a SecretId.');
    }
    const secret = [...this.secrets.values()].find((s) => s.name === input.SecretId || s.arn === input.SecretId);
    this.reads.set(secret?.name ?? input.SecretId, this.readsOf(secret?.name ?? input.SecretId) + 1);
    if (this.outage === 'hang') return;
    if (this.outage) return awsError(res, this.outage.status, this.outage.type, 'The stand-in is having an outage.');
    if (!secret) {
      return awsError(res, 400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    }
    res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': randomUUID() });
    res.end(
      JSON.stringify({
        ARN: secret.arn,
        Name: secret.name,
        VersionId: secret.versionId,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Date.now() / 1000,
        ...secret.value,
      }),
    );
  }
}

function awsError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-ErrorType': type, 'x-amzn-RequestId': randomUUID() });
  res.end(JSON.stringify({ __type: type, message }));
}
