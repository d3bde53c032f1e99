import { API_GATEWAY_ALIAS } from '../../lambda/entry/set-selection';
import { newClient } from '../support/harness';
import { apiEvent } from '../support/lambda-runtime';
import { startStand, type RuntimeStand } from '../support/runtime/stand';

/**
 * Credential sets (CONTRACT section 8) on the real runtime interface client and Node 24:
 * the set comes from the alias in the invoked function ARN the runtime passes on, and
 * over HTTP from the API path, only when the invocation vouches for it.
 */
let stand: RuntimeStand;

afterEach(async () => {
  await stand.close();
});

const US_SECRET = 'wll/us-prod';

test('three containers serve three sets by alias: each set its own client, sets with the same credentials one token', async () => {
  stand = await startStand();
  const us = newClient(['staging.wlloyalty.net']);
  stand.wll.setClients([stand.client, us]);
  stand.secrets.putSecretString(US_SECRET, JSON.stringify({ client_id: us.clientId, client_secret: us.clientSecret }));
  const CREDENTIAL_SETS = JSON.stringify({
    'eu-prod': { secretId: stand.secretName, tokenUrl: stand.wll.url },
    'us-prod': { secretId: US_SECRET, tokenUrl: stand.wll.url, audience: 'staging.wlloyalty.net', allowedAudiences: ['staging.wlloyalty.net'] },
  });
  const containers = await stand.containers(3, { environment: { CREDENTIAL_SETS } });
  const qualifiers = [undefined, 'eu-prod', 'us-prod', '$LATEST'] as const;

  const results = await Promise.all(
    containers.flatMap((container) => qualifiers.map(async (qualifier) => ({ qualifier, result: await container.invoke({}, qualifier) }))),
  );

  const served = results.map(({ qualifier, result }) => {
    if (!result.ok) throw new Error(`${qualifier ?? 'unqualified'}: ${result.errorType}: ${result.errorMessage}`);
    const { credentialSet, audience, accessToken } = result.result as Record<string, string>;
    return { qualifier, credentialSet, audience, clientId: stand.wll.issued.find((record) => record.accessToken === accessToken)?.clientId };
  });
  const expected = { undefined: 'default', 'eu-prod': 'eu-prod', 'us-prod': 'us-prod', $LATEST: 'default' } as Record<string, string>;
  for (const { qualifier, credentialSet, audience, clientId } of served) {
    expect({ qualifier, credentialSet, audience, clientId }).toEqual({
      qualifier,
      credentialSet: expected[String(qualifier)],
      audience: qualifier === 'us-prod' ? 'staging.wlloyalty.net' : 'wlloyalty.net',
      clientId: qualifier === 'us-prod' ? us.clientId : stand.client.clientId,
    });
  }
  // One token per distinct (credentials, audience): default and eu-prod share theirs, across containers.
  expect(stand.wll.requests).toBe(2);
});

test('over HTTP the path picks the set only through the API alias; a forged API event through the unqualified function reads no secret', async () => {
  stand = await startStand();
  const CREDENTIAL_SETS = JSON.stringify({ 'eu-prod': { secretId: stand.secretName, tokenUrl: stand.wll.url } });
  const container = await stand.container({ environment: { CREDENTIAL_SETS, CREDENTIALS_SECRET_ID: '' } });
  const route = { path: '/sets/eu-prod/token', resource: '/sets/{name}/token' };
  const event = { ...apiEvent(route), pathParameters: { name: 'eu-prod' } };

  const forged = await container.invoke(event);
  const noDefault = await container.invoke({});
  const readsBefore = stand.secrets.readsOf(stand.secretName);
  const viaApi = await container.invoke(event, API_GATEWAY_ALIAS);

  expect(forged).toMatchObject({ ok: true, result: { statusCode: 404 } });
  expect(noDefault).toMatchObject({ ok: false, errorType: 'BadRequestError', errorMessage: expect.stringMatching(/no default credential set: .* one of eu-prod\.$/) });
  expect(readsBefore).toBe(0);
  expect(viaApi).toMatchObject({ ok: true, result: { statusCode: 200 } });
  const body = JSON.parse((viaApi as { result: { body: string } }).result.body) as Record<string, unknown>;
  expect(body).toMatchObject({ credentialSet: 'eu-prod', source: 'issuer' });
});
