import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerCredentials } from '../../lambda/credentials/secrets-manager';
import { startHarness, type Harness } from '../support/harness';

/**
 * A Secrets Manager read cut short by the invocation's own deadline is not Secrets Manager's
 * failure (issue 22 item 4: a set that ran out of time showed as a false SecretUnavailable);
 * a read that had its whole time and got no answer is. The real SDK client against the
 * Secrets Manager stand-in, which accepts the request and never answers.
 */
let h: Harness;
let client: SecretsManagerClient;

beforeEach(async () => {
  h = await startHarness();
  client = new SecretsManagerClient({
    endpoint: h.secrets.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'localTestSecretKey' },
  });
});

afterEach(async () => {
  client.destroy();
  h.secrets.outage = undefined;
  await h.close();
});

test('cut by our deadline, the read is neither reported nor remembered as a failure; given its whole time, it is', async () => {
  const failures: boolean[] = [];
  // Credentials older than their 1 ms age are read again, with these in hand as the fallback.
  const credentials = new SecretsManagerCredentials(h.secretName, { client, maxAgeMs: 1, onReadFailure: (_error, servedStale) => failures.push(servedStale) });
  await credentials.get(Date.now() + 5_000);
  await new Promise((resolve) => setTimeout(resolve, 5));
  h.secrets.outage = 'hang';

  // 300 ms left of the invocation, less than the 1 s a read with a fallback may take.
  const cut = await credentials.get(Date.now() + 300);
  expect(cut.clientId).toBe(h.client.clientId);
  expect(failures).toEqual([]);

  // The whole 1 s, and no answer: Secrets Manager's failure, reported, the fallback served.
  const waited = await credentials.get(Date.now() + 10_000);
  expect(waited.clientId).toBe(h.client.clientId);
  expect(failures).toEqual([true]);
  expect(h.secrets.readsOf(h.secretName)).toBe(3);
});
