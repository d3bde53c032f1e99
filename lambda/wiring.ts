import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient, type SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import type { Config, CredentialSet } from './config/load-config';
import { SecretsManagerCredentials } from './credentials/secrets-manager';
import { WllTokenIssuer } from './issuer/wll-token-issuer';
import { DynamoDbLeaseStore } from './table/lease-store';
import { DynamoDbMintCounter } from './table/mint-counter';
import { cacheUnavailable, issuerMetrics, protocolEvents, secretUnavailable, type Telemetry } from './telemetry/observability';
import { SharedCache } from './table/shared-cache';
import { DynamoDbTokenStore } from './table/token-store';
import { TokenProtocol } from './protocol/token-protocol';
import { TokenService } from './protocol/token-service';

/**
 * Every AWS call is bounded by an abort signal from the caller's deadline (lambda/core/deadline.ts);
 * a connection that cannot be opened fails within a second. The SDK's own retries (3
 * attempts in all) cover brief throttling within that bound. The clients take the SDK's default
 * credentials: in the deployed bundle that name resolves to the execution role's credentials as
 * Lambda provides them (credentials/execution-role.ts, infra/function-code.ts); run unbundled
 * (npm start, the in-process tests) it is the SDK's whole chain, profiles included.
 */
const SDK_CLIENT_OPTIONS = { maxAttempts: 3, requestHandler: { connectionTimeout: 1_000 } };

/**
 * What the deterministic simulation (test/sim) puts in place of the outside world: the SDK
 * clients' transport (so the clients' own serialization, retries and deserialization still
 * run), the issuer's fetch, and the container's clock. The function passes none of them, and
 * each one left out is exactly what it was before.
 */
export interface WiringSeams {
  readonly dynamodbRequestHandler?: DynamoDBClientConfig['requestHandler'];
  readonly secretsManagerRequestHandler?: SecretsManagerClientConfig['requestHandler'];
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

/**
 * Wires one token service per credential set to AWS and WLL; built once per container.
 * The SDK clients, the table adapters and the cache are shared; sets with the same token
 * endpoint share one protocol, so its memory and single flight, keyed by the token's
 * cache key (endpoint, credentials, audience), serve both. Each set has its own secret.
 */
export function createTokenServices(config: Config, telemetry: Telemetry, seams: WiringSeams = {}): ReadonlyMap<CredentialSet, TokenService> {
  const { now } = seams;
  const dynamodb = new DynamoDBClient({ ...SDK_CLIENT_OPTIONS, ...(seams.dynamodbRequestHandler && { requestHandler: seams.dynamodbRequestHandler }) });
  const secretsManager = new SecretsManagerClient({
    ...SDK_CLIENT_OPTIONS,
    ...(seams.secretsManagerRequestHandler && { requestHandler: seams.secretsManagerRequestHandler }),
  });
  const cache = new SharedCache(
    new DynamoDbTokenStore(config.tokenTableName, config.refreshMarginSeconds, dynamodb, now),
    new DynamoDbLeaseStore(config.tokenTableName, dynamodb, now),
    new DynamoDbMintCounter(config.tokenTableName, dynamodb, now),
    cacheUnavailable(telemetry),
    { now },
  );
  const protocols = new Map<string, TokenProtocol>();
  const protocolFor = (tokenUrl: string): TokenProtocol => {
    let protocol = protocols.get(tokenUrl);
    if (!protocol) {
      protocol = new TokenProtocol(
        { refreshMarginSeconds: config.refreshMarginSeconds, leaseMs: config.leaseSeconds * 1000, refreshAheadRatio: config.refreshAheadRatio },
        { cache, issuer: new WllTokenIssuer({ tokenUrl, observe: issuerMetrics(telemetry), fetch: seams.fetch, now }), events: protocolEvents(telemetry), now },
      );
      protocols.set(tokenUrl, protocol);
    }
    return protocol;
  };
  const services = new Map<CredentialSet, TokenService>();
  for (const set of config.credentialSets) {
    const credentials = new SecretsManagerCredentials(set.credentialsSecretId, {
      client: secretsManager,
      maxAgeMs: config.credentialsMaxAgeSeconds * 1000,
      onReadFailure: secretUnavailable(telemetry),
      now,
    });
    services.set(set, new TokenService(set, credentials, protocolFor(set.tokenUrl)));
  }
  return services;
}
