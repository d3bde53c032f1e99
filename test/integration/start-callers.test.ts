import { LambdaClient } from '@aws-sdk/client-lambda';
import { tokenSha256 } from '../../client/fingerprint';
import { createHttpTokenClient } from '../../client/http-client';
import { createTokenClient } from '../../client/lambda-client';
import { ServiceAccessError } from '../../client/errors';
import { childEnv, redact, startLocalService, type LocalService } from '../support/processes';
import { leakedIn, registerSensitive } from '../support/sensitive-values';
import { expectSameToken } from '../support/token-assertions';

/**
 * `npm start -- --sets eu-prod,us-prod` as a caller in any language meets it: the REST routes of
 * every set, Lambda's Invoke API on the same port with an alias per set (the TypeScript Lambda
 * client's round trip, through the real LambdaClient), a refresh that says what it did, and a banner
 * whose commands work.
 */
let running: LocalService;

beforeAll(async () => {
  running = await startLocalService(
    childEnv({ PORT: '0', AWS_ENDPOINT_URL_DYNAMODB: process.env.TEST_DYNAMODB_ENDPOINT, TOKEN_TABLE_NAME: 'start-callers' }),
    ['npm', 'start', '--', '--sets', 'eu-prod,us-prod'],
  );
});

afterAll(async () => {
  running.child.kill('SIGTERM');
  await running.closed;
  const leaks = leakedIn(running.output());
  if (leaks.length > 0) throw new Error(`npm start printed a token: ${leaks.join(', ')}\n${redact(running.output())}`);
});

async function call(path: string, method = 'GET'): Promise<{ status: number; refresh: string | null; body: Record<string, unknown> }> {
  const response = await fetch(`${running.url}${path}`, { method });
  const body = (await response.json()) as Record<string, unknown>;
  if (typeof body.accessToken === 'string') registerSensitive(body.accessToken);
  return { status: response.status, refresh: response.headers.get('x-token-refresh'), body };
}

function lambdaClient(): LambdaClient {
  // What the banner's endpoint override is for any SDK; the credentials are never checked here.
  return new LambdaClient({ endpoint: running.url, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDANY', secretAccessKey: 'any' }, maxAttempts: 1 });
}

test("the banner shows Lambda's Invoke API for the default set and a named set, says unsigned is fine, and shows a refresh that replaces", () => {
  const endpoint = running.url.replace(/\/$/, '');
  const banner = running.output();

  expect(banner).toContain(`aws lambda invoke --endpoint-url ${endpoint} --no-sign-request --region eu-west-1 --function-name wll-token-vendor /dev/stdout`);
  expect(banner).toContain(`--function-name wll-token-vendor --qualifier eu-prod /dev/stdout`);
  expect(banner).toContain('unsigned requests are fine here');
  expect(banner).toContain(`curl -s ${running.url}sets/us-prod/token`);
  expect(banner).toContain(`"${running.url}token/refresh?replacesTokenSha256=$(printf %s "$TOKEN" | sha256sum | cut -c1-64)"`);
  expect(banner).toContain('Sets:     default (/token, the unqualified function), eu-prod, us-prod');
});

test('the TypeScript Lambda client gets a token for the default set and for a named set from the local Invoke API', async () => {
  const defaults = createTokenClient({ functionName: 'wll-token-vendor', client: lambdaClient() });
  const eu = createTokenClient({ functionName: 'wll-token-vendor', credentialSet: 'eu-prod', client: lambdaClient() });

  const fromDefault = await defaults.getToken();
  const fromEu = await eu.getToken();
  const viaHttp = await createHttpTokenClient({ url: running.url, credentialSet: 'eu-prod' }).getToken();

  expect(fromDefault).toMatchObject({ credentialSet: 'default', tokenType: 'Bearer', audience: 'wlloyalty.net' });
  expect(fromEu).toMatchObject({ credentialSet: 'eu-prod', tokenType: 'Bearer' });
  expect(tokenSha256(fromEu)).not.toBe(tokenSha256(fromDefault));
  // The REST route of the set and its alias serve the same set: one token between them.
  expectSameToken(viaHttp.accessToken, fromEu.accessToken);
});

test('each set has stand-in credentials of its own: a set not started is a 404, and its alias is not found', async () => {
  const missing = await call('sets/ap-prod/token');
  const tokens = createTokenClient({ functionName: 'wll-token-vendor', credentialSet: 'ap-prod', client: lambdaClient() });

  expect(missing).toMatchObject({ status: 404, body: { error: 'not_found' } });
  await expect(tokens.getToken()).rejects.toThrow(ServiceAccessError);
  await expect(tokens.getToken()).rejects.toThrow(/No alias ap-prod on function wll-token-vendor/);
});

test('a refresh says what it did: a young token without a fingerprint is kept, a named one is replaced once', async () => {
  const current = await call('sets/us-prod/token');
  const sha = tokenSha256(current.body.accessToken as string);

  const skipped = await call('sets/us-prod/token/refresh', 'POST');
  const replaced = await call(`sets/us-prod/token/refresh?replacesTokenSha256=${sha}`, 'POST');
  const again = await call(`sets/us-prod/token/refresh?replacesTokenSha256=${sha}`, 'POST');

  expect(skipped).toMatchObject({ status: 200, refresh: 'skipped-recent' });
  expectSameToken(skipped.body.accessToken, current.body.accessToken);
  expect(replaced).toMatchObject({ status: 200, refresh: 'minted', body: { source: 'issuer', credentialSet: 'us-prod' } });
  expect(tokenSha256(replaced.body.accessToken as string)).not.toBe(sha);
  expect(again).toMatchObject({ status: 200, refresh: 'already-replaced' });
  expectSameToken(again.body.accessToken, replaced.body.accessToken);
});

test('a refresh with a JSON body naming another audience is 400 saying to use the query', async () => {
  const response = await fetch(`${running.url}token/refresh`, { method: 'POST', body: '{"audience":"staging.wlloyalty.net"}' });
  const body = (await response.json()) as Record<string, unknown>;

  expect(response.status).toBe(400);
  expect(body).toEqual({ error: 'bad_request', message: expect.stringContaining('takes no request body: its parameters go in the query string') });
});
