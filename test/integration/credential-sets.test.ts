import { API_GATEWAY_ALIAS, SCHEDULE_ALIAS } from '../../lambda/entry/set-selection';
import { newClient, startHarness, type Harness } from '../support/harness';
import { callApi, invokeDirect, lambdaContext, vendOrFail, type Handler } from '../support/lambda-runtime';
import { capturedOutput } from '../support/log-capture';
import type { StandInClient } from '../support/wll-stand-in';

/**
 * Credential sets (CONTRACT section 8) through the real handler, DynamoDB Local and the
 * loopback stand-ins: which set an invocation gets is decided by what AWS vouches for
 * (the alias invoked, the API path), before any secret is read; each set has its own
 * secret and audiences; sets with the same credentials share one token.
 *
 * The sets: `default` (the section 1 variables: the harness client, three audiences),
 * `eu-prod` (the same secret and endpoint as default), `us-prod` (its own client and
 * secret, staging only), `revoked` (a secret whose credentials WLL refuses).
 */
let h: Harness;
let us: StandInClient;
let mark = 0;

const US_SECRET = 'wll/us-prod';
const REVOKED_SECRET = 'wll/revoked';

beforeEach(async () => {
  h = await startHarness();
  us = newClient(['staging.wlloyalty.net']);
  h.wll.setClients([h.client, us]);
  h.secrets.putSecretString(US_SECRET, JSON.stringify({ client_id: us.clientId, client_secret: us.clientSecret }));
  const revoked = newClient();
  h.secrets.putSecretString(REVOKED_SECRET, JSON.stringify({ client_id: revoked.clientId, client_secret: revoked.clientSecret }));
  mark = capturedOutput().length;
});

afterEach(async () => {
  await h.close();
});

function sets(): Record<string, unknown> {
  return {
    'eu-prod': { secretId: h.secretName, tokenUrl: h.wll.url },
    'us-prod': { secretId: US_SECRET, tokenUrl: h.wll.url, audience: 'staging.wlloyalty.net', allowedAudiences: ['staging.wlloyalty.net'] },
    revoked: { secretId: REVOKED_SECRET, tokenUrl: h.wll.url },
  };
}

function loadWithSets(overrides: Record<string, string | undefined> = {}): Handler {
  return h.loadHandler({ CREDENTIAL_SETS: JSON.stringify(sets()), ...overrides });
}

function secretReads(): number {
  return [...h.secrets.reads.values()].reduce((sum, reads) => sum + reads, 0);
}

/** The API resource and path parameter API Gateway sends for a set's route. */
function setRoute(name: string, refresh = false) {
  return {
    method: refresh ? 'POST' : 'GET',
    path: `/sets/${name}/token${refresh ? '/refresh' : ''}`,
    resource: `/sets/{name}/token${refresh ? '/refresh' : ''}`,
    qualifier: API_GATEWAY_ALIAS,
  };
}

describe('selection', () => {
  test('a direct invocation picks the set by the alias invoked; anything else is the default set', async () => {
    const handler = loadWithSets();

    const usProd = await vendOrFail(handler, {}, 'us-prod');
    const unqualified = await vendOrFail(handler, {});
    const latest = await vendOrFail(handler, {}, '$LATEST');
    const version = await vendOrFail(handler, {}, '3');

    expect(usProd).toMatchObject({ credentialSet: 'us-prod', audience: 'staging.wlloyalty.net', source: 'issuer' });
    expect(h.wll.issued.find((record) => record.accessToken === usProd.accessToken)?.clientId).toBe(us.clientId);
    expect([unqualified, latest, version].map((r) => [r.credentialSet, r.audience])).toEqual(Array(3).fill(['default', 'wlloyalty.net']));
    expect(h.wll.issued.find((record) => record.accessToken === unqualified.accessToken)?.clientId).toBe(h.client.clientId);
  });

  test('over HTTP, /sets/{name}/token serves set name and /token the default set', async () => {
    const handler = loadWithSets();

    const usProd = await callApi(handler, setRoute('us-prod'));
    const refreshed = await callApi(handler, setRoute('us-prod', true));
    const byDefault = await callApi(handler, { path: '/token' });

    expect(usProd).toMatchObject({ statusCode: 200, body: { credentialSet: 'us-prod', audience: 'staging.wlloyalty.net' } });
    // A forced refresh of a token minted under 60 s ago keeps it (CONTRACT section 4): the route still names the set.
    expect(refreshed).toMatchObject({ statusCode: 200, body: { credentialSet: 'us-prod', accessToken: usProd.body.accessToken } });
    expect(byDefault).toMatchObject({ statusCode: 200, body: { credentialSet: 'default', audience: 'wlloyalty.net' } });
  });

  test('an unknown set is 404 before Secrets Manager or the issuer is asked', async () => {
    const handler = loadWithSets();

    const unknown = await callApi(handler, setRoute('eu-staging'));
    const malformed = await callApi(handler, setRoute('EU%20prod'));

    expect(unknown).toMatchObject({ statusCode: 404, body: { error: 'not_found', message: "No credential set 'eu-staging' is served by this API: check the set name in /sets/{name}/token." } });
    expect(malformed).toMatchObject({ statusCode: 404, body: { error: 'not_found' } });
    expect(secretReads()).toBe(0);
    expect(h.wll.requests).toBe(0);
  });

  test('without a default set, the unqualified function and /token refuse, naming what to use, and read no secret', async () => {
    const handler = loadWithSets({ CREDENTIALS_SECRET_ID: undefined });

    const direct = await invokeDirect(handler, {});
    const api = await callApi(handler, { path: '/token', qualifier: API_GATEWAY_ALIAS });

    expect(direct).toMatchObject({
      ok: false,
      errorType: 'BadRequestError',
      errorMessage: 'This function has no default credential set: invoke the alias of a set (Qualifier, or FunctionName <function>:<set>), one of eu-prod, us-prod, revoked.',
    });
    expect(api).toMatchObject({ statusCode: 404, body: { error: 'not_found', message: expect.stringMatching(/no default credential set; use GET \/sets\/\{name\}\/token/) } });
    expect(secretReads()).toBe(0);
    expect(await vendOrFail(handler, {}, 'eu-prod')).toMatchObject({ credentialSet: 'eu-prod' });
  });

  test('the event cannot pick a set: a field naming one is a BadRequestError, and an API-shaped event names only the set its invocation vouches for', async () => {
    const handler = loadWithSets();

    const byField = await invokeDirect(handler, { credentialSet: 'us-prod' });
    // A caller allowed the unqualified function (the default set) forges API Gateway's event for us-prod.
    const forged = await callApi(handler, { ...setRoute('us-prod'), qualifier: undefined });
    // A caller allowed eu-prod's alias forges the event of /token (the default set).
    const forgedDefault = await callApi(handler, { path: '/token', qualifier: 'eu-prod' });

    expect(byField).toMatchObject({ ok: false, errorType: 'BadRequestError', errorMessage: expect.stringMatching(/^Unknown field 'credentialSet' in the event/) });
    expect(forged).toMatchObject({ statusCode: 404, body: { error: 'not_found', message: expect.stringMatching(/Set 'us-prod' is not served through the unqualified function/) } });
    expect(forgedDefault).toMatchObject({ statusCode: 404, body: { error: 'not_found' } });
    expect(secretReads()).toBe(0);
    expect(h.wll.requests).toBe(0);
  });
});

describe('per set', () => {
  test("each set allows its own audiences only, and says which set refused", async () => {
    const handler = loadWithSets();

    const refused = await invokeDirect(handler, { audience: 'wlloyalty.net' }, 'us-prod');
    const api = await callApi(handler, { ...setRoute('us-prod'), query: { audience: 'production.wlloyalty.net' } });
    const defaultProduction = await vendOrFail(handler, { audience: 'production.wlloyalty.net' });

    expect(refused).toMatchObject({ ok: false, errorType: 'BadRequestError', errorMessage: expect.stringMatching(/^Audience 'wlloyalty.net' is not allowed for credential set 'us-prod': ask for one of staging.wlloyalty.net/) });
    expect(api).toMatchObject({ statusCode: 400, body: { error: 'bad_request' } });
    expect(defaultProduction).toMatchObject({ credentialSet: 'default', audience: 'production.wlloyalty.net' });
  });

  test('two sets with the same credentials, endpoint and audience share one token: one issuer request, across containers too', async () => {
    const first = loadWithSets();
    const second = loadWithSets();

    const results = await Promise.all([vendOrFail(first, {}, 'eu-prod'), vendOrFail(second, {}), vendOrFail(first, {}), vendOrFail(second, {}, 'eu-prod')]);

    expect(h.wll.requests).toBe(1);
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    expect(results.map((r) => r.credentialSet)).toEqual(['eu-prod', 'default', 'default', 'eu-prod']);
  });

  test('a set whose credentials are refused fails alone; the scheduled refresh still covers every other set', async () => {
    const handler = loadWithSets();

    const refused = await invokeDirect(handler, {}, 'revoked');
    const others = await Promise.all([vendOrFail(handler, {}, 'us-prod'), vendOrFail(handler, {})]);
    const scheduled = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, lambdaContext(20_000, SCHEDULE_ALIAS)).catch((error: Error) => error);

    expect(refused).toMatchObject({ ok: false, errorType: 'CredentialsError' });
    expect(others.map((r) => r.credentialSet)).toEqual(['us-prod', 'default']);
    // The run fails (the error alarm sees it) after refreshing every set it could.
    expect(scheduled).toMatchObject({ name: 'ScheduledRefreshError' });
    const lines = capturedOutput().slice(mark).split('\n').filter((line) => line.includes('"Scheduled refresh done"'));
    const bySet = Object.fromEntries(lines.map((line) => JSON.parse(line) as { credentialSet: string }).map((line) => [line.credentialSet, line]));
    expect(Object.keys(bySet).sort()).toEqual(['default', 'eu-prod', 'revoked', 'us-prod']);
    expect(bySet.revoked).toMatchObject({ failed: [{ audience: 'wlloyalty.net', error: 'CredentialsError' }] });
    expect(bySet['us-prod']).toMatchObject({ current: ['staging.wlloyalty.net'], failed: [] });
    expect(bySet.default).toMatchObject({ current: ['wlloyalty.net'], failed: [] });
    expect(bySet['eu-prod']).toMatchObject({ current: ['wlloyalty.net'], failed: [] });
    // Each set's month count goes out in its own document, under its own name.
    const monthCounts = capturedOutput()
      .slice(mark)
      .split('\n')
      .filter((line) => line.includes('"TokensMintedThisMonth"'))
      .map((line) => JSON.parse(line) as { credentialSet?: string; TokensMintedThisMonth: number });
    expect(monthCounts.filter((doc) => doc.credentialSet === 'us-prod').at(-1)?.TokensMintedThisMonth).toBe(1);
    expect(monthCounts.filter((doc) => doc.credentialSet === 'eu-prod').at(-1)?.TokensMintedThisMonth).toBe(1);
  });

  test('the result, the audit line and the metrics name the set; the metrics keep their {service} dimensions too', async () => {
    const handler = loadWithSets();

    await vendOrFail(handler, {}, 'us-prod');

    const output = capturedOutput().slice(mark);
    const audit = output.split('\n').find((line) => line.includes('"Token vended"'));
    expect(JSON.parse(audit!)).toMatchObject({ credentialSet: 'us-prod', entry: 'invoke', audience: 'staging.wlloyalty.net' });
    const emf = output
      .split('\n')
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown> & { _aws: { CloudWatchMetrics: { Dimensions: string[][] }[] } });
    const minted = emf.find((doc) => 'TokensMinted' in doc)!;
    expect(minted._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service'], ['service', 'credentialSet']]);
    expect(minted).toMatchObject({ service: 'wll-token-vendor-test', credentialSet: 'us-prod', TokensMinted: 1, IssuerRequests: 1, TokensMintedThisMonth: 1 });
  });
});

test('without CREDENTIAL_SETS, results name the default set and the metrics are as before', async () => {
  const handler = h.loadHandler();

  const result = await vendOrFail(handler, {});
  const scheduled = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, lambdaContext());

  expect(result).toMatchObject({ credentialSet: 'default', audience: 'wlloyalty.net', source: 'issuer' });
  expect(Object.keys(result).sort()).toEqual(['accessToken', 'audience', 'credentialSet', 'expiresAt', 'expiresIn', 'source', 'tokenType']);
  expect(scheduled).toMatchObject({ refreshed: [], current: ['wlloyalty.net'], failed: [] });
  const emf = capturedOutput()
    .slice(mark)
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as { credentialSet?: string; _aws: { CloudWatchMetrics: { Dimensions: string[][] }[] } });
  expect(emf.length).toBeGreaterThan(0);
  for (const doc of emf.filter((d) => !('IssuerQuotaRemaining' in d))) expect(doc._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service']]);
  expect(emf.filter((doc) => 'credentialSet' in doc)).toEqual([]);
});
