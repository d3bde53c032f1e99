import { ContainerCredentialsStandIn } from '../support/container-credentials-stand-in';
import { failures, outcome, startStand, type RuntimeStand } from '../support/runtime/stand';

/**
 * The bundle carries the execution role's two ways of handing over credentials, not the SDK's
 * whole default chain (lambda/credentials/execution-role.ts, issue 27): every call to DynamoDB
 * and Secrets Manager is signed with the role's credentials, whether Lambda put them in the
 * environment or serves them from a container credentials endpoint, on a standard container
 * (frozen between invocations) and on a Lambda Managed Instances environment alike.
 */
let stand: RuntimeStand;
let endpoint: ContainerCredentialsStandIn;

beforeEach(async () => {
  stand = await startStand();
  endpoint = await ContainerCredentialsStandIn.start();
});

afterEach(async () => {
  await stand.close();
  await endpoint.close();
});

/** The access key ids the proxied AWS calls were signed with. */
function signers(): string[] {
  return [...new Set([...stand.dynamoDbProxy.calls, ...stand.secretsProxy.calls].map((call) => call.accessKeyId ?? 'unsigned'))];
}

test("a standard container signs with the environment's credentials, and never asks an endpoint", async () => {
  const container = await stand.container({ environment: endpoint.environment });

  const results = [await container.invoke({}), await container.invoke({})];

  expect(failures(results)).toEqual([]);
  // lambdaEnvironment() sets the execution role's credentials as Lambda does.
  expect(signers()).toEqual(['ASIARUNTIMETIERLOCAL']);
  expect(endpoint.served + endpoint.refused).toBe(0);
});

test('a Managed Instances environment with only a container credentials endpoint: 8 concurrent first calls signed with its credentials, fetched once', async () => {
  const container = await stand.container({
    maxConcurrency: 8,
    environment: { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined, ...endpoint.environment },
  });

  const results = await Promise.all(Array.from({ length: 8 }, () => container.invoke({})));

  expect(failures(results)).toEqual([]);
  expect(results.map(outcome).every((o) => o.ok)).toBe(true);
  expect(signers()).toEqual([endpoint.accessKeyId]);
  // One fetch per SDK client (DynamoDB, Secrets Manager), whatever the concurrency.
  expect(endpoint.served).toBeLessThanOrEqual(2);
  expect(endpoint.refused).toBe(0);
});

test('with neither, the invocation fails with a named error that says how the function gets AWS credentials', async () => {
  const container = await stand.container({ environment: { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined } });

  const result = await container.invoke({});

  expect(outcome(result)).toMatchObject({ ok: false, errorType: 'CredentialsError' });
  expect(result.ok ? '' : result.errorMessage).toMatch(/no usable AWS credentials to ask Secrets Manager with: No AWS credentials for the function: neither AWS_ACCESS_KEY_ID/);
  expect(signers().filter((signer) => signer !== 'unsigned')).toEqual([]);
});
