import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GuardedCache } from './cache-guard';
import type { Config } from './config';
import { SecretsManagerCredentials } from './credentials';
import { WllTokenIssuer } from './issuer';
import { DynamoDbLeaseStore } from './lease-store';
import { cacheUnavailable, issuerMetrics, type Telemetry } from './observability';
import { TokenRefresher } from './refresher';
import { DynamoDbTokenStore } from './token-store';
import { TokenVendor } from './vendor';

/**
 * AWS calls fail fast: a hung connection must not eat the invocation's time.
 * The SDK's own retries (3 attempts in all) cover brief throttling.
 */
const SDK_CLIENT_OPTIONS = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
};

/** Wires the vendor to AWS and WLL; built once per container. */
export function createVendor(config: Config, telemetry: Telemetry): TokenVendor {
  const dynamodb = new DynamoDBClient(SDK_CLIENT_OPTIONS);
  const cache = new GuardedCache(
    new DynamoDbTokenStore(config.tokenTableName, config.refreshMarginSeconds, dynamodb),
    new DynamoDbLeaseStore(config.tokenTableName, dynamodb),
    cacheUnavailable(telemetry),
  );
  const issuer = new WllTokenIssuer({ tokenUrl: config.tokenUrl, observe: issuerMetrics(telemetry.metrics) });
  return new TokenVendor(config, {
    credentials: new SecretsManagerCredentials(config.credentialsSecretId, { client: new SecretsManagerClient(SDK_CLIENT_OPTIONS) }),
    tokens: cache,
    refresher: new TokenRefresher({ leaseMs: config.leaseSeconds * 1000, refreshMarginSeconds: config.refreshMarginSeconds }, { cache, issuer }),
    log: { warn: (message, fields) => telemetry.logger.warn(message, fields ?? {}) },
  });
}
