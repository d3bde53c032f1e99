import type { APIGatewayProxyResult } from 'aws-lambda';
import { API_GATEWAY_ALIAS } from '../../lambda/entry/set-selection';
import { startHarness, type Harness } from '../support/harness';
import { apiEvent, lambdaContext, vendOrFail } from '../support/lambda-runtime';
import { capturedOutput } from '../support/log-capture';

/**
 * The audit line with credential sets (issue 22 item 3, CONTRACT section 8): the caller in an API
 * event is logged as API Gateway's only when the event came through the API's own alias; any
 * other invocation is logged as a direct one, with the ARN it was invoked by, whatever its event
 * claims. Through the real handler, DynamoDB Local and the stand-ins.
 */
let h: Harness;
let mark = 0;

const VICTIM = 'arn:aws:sts::123456789012:assumed-role/finance-admin/session';

beforeEach(async () => {
  h = await startHarness();
  mark = capturedOutput().length;
});

afterEach(async () => {
  await h.close();
});

function loadWithSets() {
  return h.loadHandler({ CREDENTIAL_SETS: JSON.stringify({ 'eu-prod': { secretId: h.secretName, tokenUrl: h.wll.url } }) });
}

/** The "Token vended" lines written in this test. */
function auditLines(): Array<Record<string, unknown>> {
  return capturedOutput()
    .slice(mark)
    .split('\n')
    .filter((line) => line.includes('"Token vended"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** API Gateway's event for GET /sets/eu-prod/token, from a caller with the given ARN. */
function setEvent(userArn: string) {
  const event = apiEvent({ path: '/sets/eu-prod/token', resource: '/sets/{name}/token' });
  event.pathParameters = { name: 'eu-prod' };
  event.requestContext.identity.userArn = userArn;
  return event;
}

test("through the API's own alias, the caller is logged as API Gateway verified it", async () => {
  const response = (await loadWithSets()(setEvent('arn:aws:sts::123456789012:assumed-role/orders/session'), lambdaContext(20_000, API_GATEWAY_ALIAS))) as APIGatewayProxyResult;

  expect(response.statusCode).toBe(200);
  expect(auditLines()).toEqual([
    expect.objectContaining({
      entry: 'api',
      credentialSet: 'eu-prod',
      invokedFunctionArn: expect.stringMatching(/:function:[^:]+:api_gateway$/),
      caller: expect.objectContaining({ userArn: 'arn:aws:sts::123456789012:assumed-role/orders/session', accountId: '123456789012' }),
    }),
  ]);
});

test("an API-shaped event sent to a set's alias by a direct invoker is logged as a direct invocation, never as the caller it names", async () => {
  // A principal allowed eu-prod's alias forges API Gateway's event with another principal's ARN: it may
  // have the token (its alias allows it), but the audit trail must not blame the other principal.
  const response = (await loadWithSets()(setEvent(VICTIM), lambdaContext(20_000, 'eu-prod'))) as APIGatewayProxyResult;

  expect(response.statusCode).toBe(200);
  const [line] = auditLines();
  expect(line).toMatchObject({ entry: 'invoke', credentialSet: 'eu-prod', invokedFunctionArn: expect.stringMatching(/:function:[^:]+:eu-prod$/) });
  expect(line).not.toHaveProperty('caller');
  // What the event claimed is kept apart, under a name that says so.
  expect(line).toMatchObject({ claimedCaller: { userArn: VICTIM } });
});

test('a direct invocation is logged with the alias it was invoked by', async () => {
  await vendOrFail(loadWithSets(), {}, 'eu-prod');

  const [line] = auditLines();
  expect(line).toMatchObject({ entry: 'invoke', credentialSet: 'eu-prod', invokedFunctionArn: expect.stringMatching(/:eu-prod$/) });
  expect(Object.keys(line!).filter((key) => /caller/i.test(key))).toEqual([]);
});
