import { randomUUID } from 'node:crypto';
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { IssuedToken } from '../../lambda/core/token';
import { tokenCacheKey } from '../../lambda/protocol/cache-key';
import { DynamoDbLeaseStore } from '../../lambda/table/lease-store';
import { credentialsRef, DynamoDbMintCounter } from '../../lambda/table/mint-counter';
import { SharedCache, type CacheOperation } from '../../lambda/table/shared-cache';
import { DynamoDbTokenStore } from '../../lambda/table/token-store';
import type { TokenIssuer } from '../../lambda/issuer/wll-token-issuer';
import { TokenProtocol, type ProtocolEvents, type TokenKey } from '../../lambda/protocol/token-protocol';
import { tokenSealFor } from '../../lambda/table/token-seal';
import { createTokenTable, localDynamoDbClient } from './dynamodb-local';
import { FakeIssuer } from './fakes';

/**
 * The refresh protocol as several containers run it: each its own TokenProtocol (its own
 * memory and flights) over the real DynamoDB adapters, against one DynamoDB Local table.
 * Time is real time plus an offset a test can move forward; every time the table compares
 * comes from that clock, so conditions, leases and back-offs behave as they would later.
 */
export class ProtocolWorld {
  offsetMs = 0;
  readonly now = (): number => Date.now() + this.offsetMs;
  readonly issuer = new FakeIssuer({ now: this.now });
  readonly credentials = { clientId: `client-${randomUUID().slice(0, 6)}`, clientSecret: `secret-${randomUUID()}` };
  readonly tokenUrl = 'https://auth.example.test/oauth/token';

  private constructor(
    readonly dynamodb: DynamoDBClient,
    readonly tableName: string,
  ) {}

  static async create(): Promise<ProtocolWorld> {
    const endpoint = process.env.TEST_DYNAMODB_ENDPOINT;
    if (!endpoint) throw new Error('TEST_DYNAMODB_ENDPOINT is not set: run integration tests through jest.');
    const dynamodb = localDynamoDbClient(endpoint);
    const tableName = `protocol-${randomUUID()}`;
    await createTokenTable(dynamodb, tableName);
    return new ProtocolWorld(dynamodb, tableName);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  key(audience = 'wlloyalty.net', credentials = this.credentials): TokenKey {
    return {
      key: tokenCacheKey(this.tokenUrl, credentials, audience),
      audience,
      credentials,
      seal: tokenSealFor(credentials),
      credentialsRef: credentialsRef(this.tokenUrl, credentials.clientId),
    };
  }

  /**
   * A new container. `client` replaces the DynamoDB client (a closed port, a throttling one);
   * `clockAheadMs` sets its clock that far ahead of the world's (clock skew between hosts);
   * `issuer` replaces the shared scripted issuer (one that records timings); `marginSeconds` is
   * TOKEN_REFRESH_MARGIN_SECONDS (300).
   */
  container(
    options: {
      client?: DynamoDBClient;
      leaseMs?: number;
      refreshAheadRatio?: number;
      clockAheadMs?: number;
      issuer?: TokenIssuer;
      marginSeconds?: number;
    } = {},
  ): Container {
    const client = options.client ?? this.dynamodb;
    const skew = options.clockAheadMs ?? 0;
    const now = skew === 0 ? this.now : () => this.now() + skew;
    const events = new RecordedEvents();
    const marginSeconds = options.marginSeconds ?? 300;
    const cache = new SharedCache(
      new DynamoDbTokenStore(this.tableName, marginSeconds, client, now),
      new DynamoDbLeaseStore(this.tableName, client, now),
      new DynamoDbMintCounter(this.tableName, client, now),
      (operation) => events.unavailable.push(operation),
      { now },
    );
    const protocol = new TokenProtocol(
      { refreshMarginSeconds: marginSeconds, leaseMs: options.leaseMs ?? 15_000, refreshAheadRatio: options.refreshAheadRatio ?? 0.25 },
      { cache, issuer: options.issuer ?? this.issuer, events, now, random: () => 0.5 },
    );
    return { protocol, events };
  }

  /** "tok-<n>" for the issuer's n-th token, so test summaries read the same in every run. */
  tokenName(token: IssuedToken | string | undefined): string | undefined {
    const value = typeof token === 'string' ? token : token?.accessToken;
    if (value === undefined) return undefined;
    for (let n = 1; n <= this.issuer.requests.length; n += 1) if (this.issuer.token(n) === value) return `tok-${n}`;
    return 'unknown';
  }

  /** The token the table holds for the default key, by name. */
  async tableToken(): Promise<string | undefined> {
    const k = this.key();
    const stored = await new DynamoDbTokenStore(this.tableName, 300, this.dynamodb, this.now).get(k.key, k.seal, AbortSignal.timeout(2_000));
    return this.tokenName(stored.token);
  }

  /** The shared count of tokens minted this month for the default credentials, as the table holds it. */
  async mintCount(): Promise<number> {
    const month = new Date(this.now()).toISOString().slice(0, 7);
    const { Item } = await this.dynamodb.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: `mints#${this.key().credentialsRef}#${month}` } }, ConsistentRead: true }),
    );
    return Number(Item?.total?.N ?? 0);
  }

  /** A deadline `ms` from now, by this world's clock. */
  deadline(ms = 19_000): number {
    return this.now() + ms;
  }

  close(): void {
    this.dynamodb.destroy();
  }
}

export interface Container {
  readonly protocol: TokenProtocol;
  readonly events: RecordedEvents;
}

export class RecordedEvents implements ProtocolEvents {
  readonly mints: { audience: string; forced: boolean; count?: { today: number; thisMonth: number } }[] = [];
  readonly earlyFailures: unknown[] = [];
  readonly unusable: string[] = [];
  readonly unavailable: CacheOperation[] = [];

  minted(mint: { audience: string; forced: boolean; count?: { today: number; thisMonth: number } }): void {
    this.mints.push(mint);
  }
  earlyRefreshFailed(_audience: string, error: unknown): void {
    this.earlyFailures.push(error);
  }
  unusableItem(audience: string): void {
    this.unusable.push(audience);
  }
}
