import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Config } from './config';
import { SecretsManagerCredentials } from './credentials';
import { WllTokenIssuer } from './issuer';
import { issuerMetrics, type Telemetry } from './observability';
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
  return new TokenVendor(config, {
    credentials: new SecretsManagerCredentials(config.credentialsSecretId, {
      client: new SecretsManagerClient(SDK_CLIENT_OPTIONS),
    }),
    store: new DynamoDbTokenStore(config.tokenTableName, config.refreshMarginSeconds, new DynamoDBClient(SDK_CLIENT_OPTIONS)),
    issuer: new WllTokenIssuer({ tokenUrl: config.tokenUrl, observe: issuerMetrics(telemetry.metrics) }),
  });
}
