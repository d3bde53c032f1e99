import type { Context } from 'aws-lambda';
import { auditFields } from '../../../lambda/entry/audit';
import { API_GATEWAY_ALIAS } from '../../../lambda/entry/set-selection';
import type { VendedToken } from '../../../lambda/protocol/token-service';
import { apiEvent } from '../../support/lambda-runtime';

// The audit line (issue 22 item 3): the caller in an API event is API Gateway's word only when the
// event came through the API's own alias; otherwise it is what the event claims, and said so.

const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:wll-token-vendor';
const TOKEN: VendedToken = { accessToken: 'header.payload.signature', tokenType: 'Bearer', issuedAt: 1_800_000_000, expiresAt: 1_800_086_400, audience: 'wlloyalty.net', source: 'cache', waitedMs: 0 };
const REQUEST = { forceRefresh: false };
const context = (qualifier?: string) => ({ invokedFunctionArn: qualifier === undefined ? ARN : `${ARN}:${qualifier}` }) as Context;

test("an API event through the API's alias: entry api, the caller as API Gateway verified it", () => {
  const fields = auditFields(TOKEN, REQUEST, { context: context(API_GATEWAY_ALIAS), api: apiEvent(), credentialSet: 'eu-prod' });

  expect(fields).toMatchObject({
    entry: 'api',
    invokedFunctionArn: `${ARN}:${API_GATEWAY_ALIAS}`,
    caller: { userArn: 'arn:aws:sts::123456789012:assumed-role/caller/session', accountId: '123456789012' },
  });
  expect(fields).not.toHaveProperty('claimedCaller');
});

test.each([
  ['a set alias', 'eu-prod'],
  ['the unqualified function (without named sets, how API Gateway invokes it)', undefined],
  ['$LATEST', '$LATEST'],
])('an API event through %s: entry invoke with the invoked ARN, and the caller only as claimed', (_label, qualifier) => {
  const fields = auditFields(TOKEN, REQUEST, { context: context(qualifier), api: apiEvent(), credentialSet: 'eu-prod' });

  expect(fields).toMatchObject({
    entry: 'invoke',
    invokedFunctionArn: context(qualifier).invokedFunctionArn,
    claimedCaller: { userArn: 'arn:aws:sts::123456789012:assumed-role/caller/session' },
  });
  expect(fields).not.toHaveProperty('caller');
});

test('a direct invocation: entry invoke with the invoked ARN, no caller of any kind', () => {
  const fields = auditFields(TOKEN, REQUEST, { context: context('eu-prod'), credentialSet: 'eu-prod' });

  expect(fields).toMatchObject({ entry: 'invoke', invokedFunctionArn: `${ARN}:eu-prod`, tokenSha256Prefix: expect.stringMatching(/^[0-9a-f]{12}$/) });
  expect(Object.keys(fields).filter((key) => /caller/i.test(key))).toEqual([]);
});

test('claimed values are kept printable and short, whatever the event holds', () => {
  const event = apiEvent();
  event.requestContext.identity.userArn = `arn:aws:iam::1:role/${'x'.repeat(400)}\u0000\n`;
  (event.requestContext.identity as unknown as Record<string, unknown>).accountId = { nested: true };

  const fields = auditFields(TOKEN, REQUEST, { context: context('eu-prod'), api: event, credentialSet: 'eu-prod' }) as { claimedCaller: Record<string, unknown> };

  expect(fields.claimedCaller.userArn).toMatch(/^arn:aws:iam::1:role\/x+\.\.\.$/);
  expect((fields.claimedCaller.userArn as string).length).toBe(259);
  expect(fields.claimedCaller.accountId).toBeUndefined();
});
