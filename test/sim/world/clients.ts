/**
 * The WLL clients of a simulated deployment and their secrets, version by version, with the
 * names the trace uses instead of secrets and keys: `A v2` for a client's second secret,
 * `[A v2 wlloyalty.net]` for the token key those credentials and that audience make.
 */
import { tokenCacheKey } from '../../../lambda/protocol/cache-key';
import type { ClientCredentials } from '../../../lambda/credentials/secret-format';
import { credentialsRef } from '../../../lambda/table/mint-counter';
import { tokenSealFor, type TokenSeal } from '../../../lambda/table/token-seal';

export interface ClientSpec {
  /** `A`, `B`, ... */
  readonly name: string;
  readonly tokenUrl: string;
}

export interface KeyInfo {
  readonly label: string;
  readonly client: string;
  readonly version: number;
  readonly audience: string;
  readonly tokenUrl: string;
  readonly seal: TokenSeal;
}

export class ClientBook {
  private readonly versions = new Map<string, number>();
  private readonly keys = new Map<string, KeyInfo>();
  private readonly refs = new Map<string, string>();

  constructor(
    readonly clients: readonly ClientSpec[],
    private readonly audiences: readonly string[],
    private readonly salt: string,
  ) {
    for (const client of clients) this.addVersion(client.name, 1);
  }

  spec(name: string): ClientSpec {
    const spec = this.clients.find((c) => c.name === name);
    if (!spec) throw new Error(`No client ${name}`);
    return spec;
  }

  clientId(name: string): string {
    return `sim-client-${name.toLowerCase()}`;
  }

  currentVersion(name: string): number {
    return this.versions.get(name) ?? 1;
  }

  credentials(name: string, version: number): ClientCredentials {
    return { clientId: this.clientId(name), clientSecret: `sim-secret-${name.toLowerCase()}-v${version}-${this.salt}` };
  }

  /** The secret's JSON as an operator puts it in Secrets Manager. */
  secretString(name: string, version: number): string {
    const { clientId, clientSecret } = this.credentials(name, version);
    return JSON.stringify({ client_id: clientId, client_secret: clientSecret });
  }

  /** A new secret for the client (WLL and the operator decide when each side uses it). */
  addVersion(name: string, version = this.currentVersion(name) + 1): number {
    this.versions.set(name, version);
    const spec = this.spec(name);
    const credentials = this.credentials(name, version);
    for (const audience of this.audiences) {
      const key = tokenCacheKey(spec.tokenUrl, credentials, audience);
      this.keys.set(key, { label: `[${name} v${version} ${audience}]`, client: name, version, audience, tokenUrl: spec.tokenUrl, seal: tokenSealFor(credentials) });
    }
    this.refs.set(credentialsRef(spec.tokenUrl, credentials.clientId), name);
    return version;
  }

  /** What the sim knows of a token key (an HMAC it computed for every secret it made). */
  key(key: string): KeyInfo | undefined {
    return this.keys.get(key);
  }

  keyFor(name: string, version: number, audience: string): string {
    return tokenCacheKey(this.spec(name).tokenUrl, this.credentials(name, version), audience);
  }

  /** The readable name of a table item's `pk`. */
  pkLabel(pk: string): string {
    const [prefix, rest = ''] = pk.split(/#(.*)/s);
    if (prefix === 'mints') {
      const [ref = '', month = ''] = rest.split('#');
      return `mints#[${this.refs.get(ref) ?? '?'} ${month}]`;
    }
    return `${prefix}#${this.keys.get(rest)?.label ?? '[?]'}`;
  }

  /** Every secret string the sim ever made: none may appear in a log line or an error. */
  allSecrets(): string[] {
    const secrets: string[] = [];
    for (const client of this.clients) {
      for (let v = 1; v <= this.currentVersion(client.name); v++) secrets.push(this.credentials(client.name, v).clientSecret);
    }
    return secrets;
  }
}
