import { Template } from 'aws-cdk-lib/assertions';
import { TokenVendorStack } from '../../infra/token-vendor-stack';
import { API_GATEWAY_ALIAS } from '../../lambda/entry/set-selection';
import { createApp } from '../infra/fixture';
import { newClient, startHarness, type Harness } from '../support/harness';
import { callApi, invokeDirect, vendOrFail } from '../support/lambda-runtime';
import type { StandInClient } from '../support/wll-stand-in';

/**
 * Issue 24: a deployment of named sets only (`defaultCredentialSet: false`), with the environment the
 * construct synthesizes, run by the real handler. The construct names each set's created secret
 * `<instance>/<set>` and gives the function that prefix instead of an ARN per set; the function must
 * find every secret by it, and answer an unqualified invocation and `/token` as CONTRACT section 8 says.
 * The sets' token endpoint is the only setting changed: it points at the stand-in issuer.
 */
const synthesized = (() => {
  const stack = new TokenVendorStack(createApp({ nag: false }), 'WllTokenVendor', {
    defaultCredentialSet: false,
    credentialSets: { 'eu-prod': {}, 'us-prod': { wllRegion: 'us' } },
  });
  const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  const fn = Object.values(template.Resources).find((resource) => resource.Type === 'AWS::Lambda::Function')!;
  return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
})();

let h: Harness;
let us: StandInClient;

beforeEach(async () => {
  h = await startHarness();
  us = newClient();
  h.wll.setClients([h.client, us]);
  const prefix = String(synthesized.CREDENTIAL_SETS_SECRET_PREFIX);
  h.secrets.putSecretString(`${prefix}eu-prod`, JSON.stringify({ client_id: h.client.clientId, client_secret: h.client.clientSecret }));
  h.secrets.putSecretString(`${prefix}us-prod`, JSON.stringify({ client_id: us.clientId, client_secret: us.clientSecret }));
});

afterEach(async () => {
  await h.close();
});

function loadSynthesized() {
  const sets = JSON.parse(String(synthesized.CREDENTIAL_SETS)) as Record<string, Record<string, unknown>>;
  const withStandIn = Object.fromEntries(Object.entries(sets).map(([name, settings]) => [name, { ...settings, tokenUrl: h.wll.url }]));
  const literal = Object.fromEntries(Object.entries(synthesized).filter(([, value]) => typeof value === 'string')) as Record<string, string>;
  // The harness's own section 1 variables go: the synthesized environment has none.
  return h.loadHandler({
    CREDENTIALS_SECRET_ID: undefined,
    WLL_TOKEN_URL: undefined,
    WLL_AUDIENCE: undefined,
    WLL_ALLOWED_AUDIENCES: undefined,
    ...literal,
    TOKEN_TABLE_NAME: h.tableName,
    CREDENTIAL_SETS: JSON.stringify(withStandIn),
  });
}

test('the synthesized environment names no secret and no default set: only the sets and the prefix of their secrets', () => {
  expect(Object.keys(synthesized).sort()).toEqual(
    ['CREDENTIAL_SETS', 'CREDENTIAL_SETS_SECRET_PREFIX', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME', 'TOKEN_REFRESH_MARGIN_SECONDS', 'TOKEN_TABLE_NAME'].sort(),
  );
  expect(JSON.parse(String(synthesized.CREDENTIAL_SETS))).toEqual({ 'eu-prod': {}, 'us-prod': { wllRegion: 'us' } });
});

test("each set's alias gets that set's token, read from the secret the construct named <instance>/<set>", async () => {
  const handler = loadSynthesized();
  const eu = await vendOrFail(handler, {}, 'eu-prod');
  const usProd = await vendOrFail(handler, {}, 'us-prod');
  expect([eu.credentialSet, usProd.credentialSet]).toEqual(['eu-prod', 'us-prod']);
  const clientOf = (token: unknown) => h.wll.issued.find((record) => record.accessToken === token)?.clientId;
  expect([clientOf(eu.accessToken), clientOf(usProd.accessToken)]).toEqual([h.client.clientId, us.clientId]);
  expect([...h.secrets.reads.keys()].sort()).toEqual(['WllTokenVendor-TokenVendor/eu-prod', 'WllTokenVendor-TokenVendor/us-prod']);
});

test('an unqualified invocation is a BadRequestError naming the aliases, and /token is 404, both before any secret is read', async () => {
  const handler = loadSynthesized();
  const unqualified = await invokeDirect(handler, {});
  const token = await callApi(handler, { path: '/token', qualifier: API_GATEWAY_ALIAS });
  const set = await callApi(handler, { path: '/sets/us-prod/token', resource: '/sets/{name}/token', qualifier: API_GATEWAY_ALIAS });

  expect(unqualified).toMatchObject({ ok: false, errorType: 'BadRequestError', errorMessage: expect.stringMatching(/no default credential set: invoke the alias of a set .*one of eu-prod, us-prod\.$/) as string });
  expect(token.statusCode).toBe(404);
  expect(token.body).toMatchObject({ error: 'not_found' });
  expect([...h.secrets.reads.keys()]).toEqual(['WllTokenVendor-TokenVendor/us-prod']);
  expect(set.statusCode).toBe(200);
});
