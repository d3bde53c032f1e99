import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { loadConfig, NODE_REGION_CONFIG_FILE_OPTIONS, NODE_REGION_CONFIG_OPTIONS } from '@smithy/core/config';
import { SignatureV4 } from '@smithy/signature-v4';

/** AWS credentials, as the AWS SDK's credential providers give them. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** What is signed: the request fetch will send (Host is added from the URL). */
export interface RequestToSign {
  readonly method: string;
  readonly url: URL;
  readonly query: Readonly<Record<string, string>>;
}

/** Returns the headers to send: the SigV4 `Authorization`, `X-Amz-Date` and, with a session, `X-Amz-Security-Token`. */
export type Sign = (request: RequestToSign) => Promise<Record<string, string>>;

/**
 * A SigV4 signer for API Gateway (`execute-api`). `region` may be a provider: it is then
 * resolved at the first request, the way the AWS SDK does (`AWS_REGION`, else the profile's
 * region in the AWS config file), and "Region is missing" is thrown when there is none.
 */
export function sigV4Signer(options: {
  readonly region: string | (() => Promise<string>);
  readonly credentials: () => Promise<AwsCredentials>;
}): Sign {
  const signer = new SignatureV4({ service: 'execute-api', region: options.region, credentials: options.credentials, sha256: NodeSha256 });
  return async ({ method, url, query }) => {
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port === '' ? undefined : Number(url.port),
      path: url.pathname,
      query: { ...query },
      headers: { host: url.host },
    });
    // fetch sets Host itself, from the same URL.
    const headers: Record<string, string> = { ...signed.headers };
    delete headers.host;
    return headers;
  };
}

/** The AWS SDK's region chain for Node.js: `AWS_REGION`, then the profile's `region` in the AWS config file. */
export function regionFromAwsConfig(): () => Promise<string> {
  return loadConfig(NODE_REGION_CONFIG_OPTIONS, NODE_REGION_CONFIG_FILE_OPTIONS);
}

/** What the signer hashes and keys HMACs with. */
type SourceData = string | ArrayBuffer | ArrayBufferView;

/** SHA-256 and HMAC-SHA256 from node:crypto, in the shape the signer asks for. */
class NodeSha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.create();
  }

  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }

  reset(): void {
    this.hash = this.create();
  }

  private create(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
}

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}
