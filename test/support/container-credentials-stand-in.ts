import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A container credentials endpoint on loopback, as Lambda serves an execution role's credentials
 * where they are not in the environment (SnapStart; `AWS_CONTAINER_CREDENTIALS_FULL_URI` with
 * `AWS_CONTAINER_AUTHORIZATION_TOKEN`), and as ECS and EKS serve a task's or pod's role: a GET
 * carrying the token in `Authorization` answers the credentials as JSON (`AccessKeyId`,
 * `SecretAccessKey`, `Token`, `Expiration` in RFC 3339); a missing or wrong token is a 401.
 */
export class ContainerCredentialsStandIn {
  /** The token callers must send; goes in AWS_CONTAINER_AUTHORIZATION_TOKEN. */
  readonly authorizationToken = randomBytes(16).toString('hex');
  /** The credentials it hands out (dummies for loopback services; `ASIA`: temporary ones). */
  readonly accessKeyId = `ASIACONTAINER${randomBytes(4).toString('hex').toUpperCase()}`;
  readonly secretAccessKey = randomBytes(20).toString('base64url');
  readonly sessionToken = randomBytes(24).toString('base64url');
  /** Requests answered with credentials, and refused ones. */
  served = 0;
  refused = 0;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<ContainerCredentialsStandIn> {
    const server = createServer();
    const standIn = new ContainerCredentialsStandIn(server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => standIn.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  /** The value for AWS_CONTAINER_CREDENTIALS_FULL_URI. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/2018-06-01/credentials`;
  }

  /** The variables Lambda sets for a container credentials endpoint instead of the credentials themselves. */
  get environment(): Record<string, string> {
    return { AWS_CONTAINER_CREDENTIALS_FULL_URI: this.url, AWS_CONTAINER_AUTHORIZATION_TOKEN: this.authorizationToken };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' || req.headers.authorization !== this.authorizationToken) {
      this.refused += 1;
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ Code: 'AccessDenied', Message: 'missing or wrong authorization token' }));
      return;
    }
    this.served += 1;
    const expiration = new Date(Date.now() + 6 * 60 * 60 * 1000).toISOString();
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ AccessKeyId: this.accessKeyId, SecretAccessKey: this.secretAccessKey, Token: this.sessionToken, Expiration: expiration }));
  }
}
