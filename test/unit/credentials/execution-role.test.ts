import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { executionRoleCredentials, NO_CREDENTIALS_MESSAGE } from '../../../lambda/credentials/execution-role';
import { ContainerCredentialsStandIn } from '../../support/container-credentials-stand-in';

/**
 * The function's AWS credentials, the two ways Lambda hands an execution role's over: in the
 * environment (standard functions), or from a container credentials endpoint (where the
 * environment does not hold them). Nothing else: no profile, SSO or instance metadata.
 */
const VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_PROFILE',
] as const;
const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
let endpoint: ContainerCredentialsStandIn;

function setEnvironment(variables: Partial<Record<(typeof VARIABLES)[number], string>>): void {
  for (const name of VARIABLES) delete process.env[name];
  Object.assign(process.env, variables);
}

beforeEach(async () => {
  endpoint = await ContainerCredentialsStandIn.start();
});

afterEach(async () => {
  await endpoint.close();
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

test("Lambda's environment credentials are used as they are, the endpoint never asked", async () => {
  setEnvironment({ AWS_ACCESS_KEY_ID: 'ASIAENVIRONMENT', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_SESSION_TOKEN: 'env-session', ...endpoint.environment });

  const credentials = await executionRoleCredentials()();

  expect(credentials).toMatchObject({ accessKeyId: 'ASIAENVIRONMENT', secretAccessKey: 'env-secret', sessionToken: 'env-session' });
  expect(endpoint.served + endpoint.refused).toBe(0);
});

test('without them, the container credentials endpoint answers, asked with its authorization token', async () => {
  setEnvironment(endpoint.environment);

  const credentials = await executionRoleCredentials()();

  expect(credentials.accessKeyId).toBe(endpoint.accessKeyId);
  expect(credentials.sessionToken).toBe(endpoint.sessionToken);
  // The SDK client memoizes them and asks again before this.
  expect(credentials.expiration!.getTime()).toBeGreaterThan(Date.now());
  expect(endpoint.served).toBe(1);
});

test('an endpoint that refuses the token is an error, not credentials from elsewhere', async () => {
  setEnvironment({ ...endpoint.environment, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'not-the-token' });

  await expect(executionRoleCredentials()()).rejects.toThrow(/401/);
  expect(endpoint.refused).toBeGreaterThan(0);
});

test('with neither, the error says which variables the function reads, and that profiles are not among them', async () => {
  setEnvironment({ AWS_PROFILE: 'developer' });

  await expect(executionRoleCredentials()()).rejects.toThrow(NO_CREDENTIALS_MESSAGE);
  expect(NO_CREDENTIALS_MESSAGE).toMatch(/AWS_ACCESS_KEY_ID.*AWS_CONTAINER_CREDENTIALS_FULL_URI.*not profiles, SSO or instance metadata/s);
});

test("an SDK client given them, as wiring.ts does, signs its calls with the endpoint's credentials", async () => {
  setEnvironment(endpoint.environment);
  const seen: IncomingHttpHeaders[] = [];
  const service: Server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ Name: 'wll/x', SecretString: '{}' })));
  });
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  const client = new SecretsManagerClient({
    region: 'eu-west-1',
    endpoint: `http://127.0.0.1:${(service.address() as AddressInfo).port}`,
    credentials: executionRoleCredentials(),
  });
  try {
    await client.send(new GetSecretValueCommand({ SecretId: 'wll/x' }));
    await client.send(new GetSecretValueCommand({ SecretId: 'wll/x' }));
  } finally {
    client.destroy();
    service.closeAllConnections();
    await new Promise((resolve) => service.close(resolve));
  }

  expect(seen.map((headers) => /Credential=([^/]+)\//.exec(String(headers.authorization))?.[1])).toEqual([endpoint.accessKeyId, endpoint.accessKeyId]);
  expect(seen.map((headers) => headers['x-amz-security-token'])).toEqual([endpoint.sessionToken, endpoint.sessionToken]);
  // Memoized by the client: one fetch for both calls.
  expect(endpoint.served).toBe(1);
});
