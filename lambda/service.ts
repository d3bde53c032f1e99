import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Config } from './config';
import { SecretsManagerCredentials } from './credentials';
import { WllTokenIssuer } from './issuer';
import { DynamoDbLeaseStore } from './lease-store';
import { DynamoDbMintCounter } from './mint-counter';
import { cacheUnavailable, issuerMetrics, protocolEvents, secretUnavailable, type Telemetry } from './observability';
import { SharedCache } from './shared-cache';
import { DynamoDbTokenStore } from './token-store';
import { TokenProtocol } from './token-protocol';
import { TokenService } from './token-service';

/**
 * Every AWS call is bounded by an abort signal from the caller's deadline (lambda/deadline.ts);
 * a connection that cannot be opened fails within a second. The SDK's own retries (3
 * attempts in all) cover brief throttling within that bound.
 */
const SDK_CLIENT_OPTIONS = { maxAttempts: 3, requestHandler: { connectionTimeout: 1_000 } };

/** Wires the service to AWS and WLL; built once per container. */
export function createTokenService(config: Config, telemetry: Telemetry): TokenService {
  const dynamodb = new DynamoDBClient(SDK_CLIENT_OPTIONS);
  const cache = new SharedCache(
    new DynamoDbTokenStore(config.tokenTableName, config.refreshMarginSeconds, dynamodb),
    new DynamoDbLeaseStore(config.tokenTableName, dynamodb),
    new DynamoDbMintCounter(config.tokenTableName, dynamodb),
    cacheUnavailable(telemetry),
  );
  const protocol = new TokenProtocol(
    { refreshMarginSeconds: config.refreshMarginSeconds, leaseMs: config.leaseSeconds * 1000, refreshAheadRatio: config.refreshAheadRatio },
    {
      cache,
      issuer: new WllTokenIssuer({ tokenUrl: config.tokenUrl, observe: issuerMetrics(telemetry) }),
      events: protocolEvents(telemetry),
    },
  );
  const credentials = new SecretsManagerCredentials(config.credentialsSecretId, {
    client: new SecretsManagerClient(SDK_CLIENT_OPTIONS),
    maxAgeMs: config.credentialsMaxAgeSeconds * 1000,
    onReadFailure: secretUnavailable(telemetry),
  });
  return new TokenService(config, credentials, protocol);
}
