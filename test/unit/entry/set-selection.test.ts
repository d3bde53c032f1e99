import type { CredentialSet } from '../../../lambda/config/credential-sets';
import { SET_NAME_PATTERN } from '../../../lambda/config/credential-sets';
import { BadRequestError } from '../../../lambda/core/errors';
import {
  API_GATEWAY_ALIAS,
  cameThroughApi,
  refuseOutsideSchedule,
  requireScheduleQualifier,
  SCHEDULE_ALIAS,
  servesNamedSets,
} from '../../../lambda/entry/set-selection';

// What each qualifier may do (CONTRACT section 8): the schedule's alias alone refreshes every
// set, and only the API's alias vouches for the caller in an API event.

const DEFAULT_SET: CredentialSet = { name: 'default', credentialsSecretId: 'wll/default', wllRegion: 'eu', tokenUrl: 'https://a/t', defaultAudience: 'wlloyalty.net', allowedAudiences: ['wlloyalty.net'] };
const EU_PROD: CredentialSet = { ...DEFAULT_SET, name: 'eu-prod', credentialsSecretId: 'wll/eu-prod' };
const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:wll-token-vendor';

test("the API's and the schedule's aliases can never be a set's name", () => {
  for (const alias of [API_GATEWAY_ALIAS, SCHEDULE_ALIAS]) {
    expect(SET_NAME_PATTERN.test(alias)).toBe(false);
    // Lambda's rule for alias names: letters, digits, - and _, not all digits, at most 128.
    expect(alias).toMatch(/^(?!\d+$)[A-Za-z0-9_-]{1,128}$/);
  }
});

test('named sets are any set but default', () => {
  expect(servesNamedSets([DEFAULT_SET])).toBe(false);
  expect(servesNamedSets([DEFAULT_SET, EU_PROD])).toBe(true);
  expect(servesNamedSets([EU_PROD])).toBe(true);
});

describe('a scheduled event', () => {
  test("with named sets, is accepted through the schedule's alias only", () => {
    expect(() => requireScheduleQualifier([DEFAULT_SET, EU_PROD], `${ARN}:${SCHEDULE_ALIAS}`)).not.toThrow();
    for (const arn of [ARN, `${ARN}:eu-prod`, `${ARN}:$LATEST`, `${ARN}:7`, `${ARN}:${API_GATEWAY_ALIAS}`, undefined, 42]) {
      expect(() => requireScheduleQualifier([DEFAULT_SET, EU_PROD], arn)).toThrow(BadRequestError);
      expect(() => requireScheduleQualifier([DEFAULT_SET, EU_PROD], arn)).toThrow(/^A scheduled event is accepted only through the alias scheduled_refresh/);
    }
  });

  test('without named sets, is accepted through any qualifier, as before: there is one set to refresh', () => {
    for (const arn of [ARN, `${ARN}:$LATEST`, `${ARN}:live`]) expect(() => requireScheduleQualifier([DEFAULT_SET], arn)).not.toThrow();
  });
});

test("through the schedule's alias nothing but the scheduled event is served", () => {
  expect(() => refuseOutsideSchedule(`${ARN}:${SCHEDULE_ALIAS}`)).toThrow(BadRequestError);
  for (const arn of [ARN, `${ARN}:eu-prod`, `${ARN}:${API_GATEWAY_ALIAS}`]) expect(() => refuseOutsideSchedule(arn)).not.toThrow();
});

test("only the API's own alias vouches for an API event", () => {
  expect(cameThroughApi(`${ARN}:${API_GATEWAY_ALIAS}`)).toBe(true);
  for (const arn of [ARN, `${ARN}:eu-prod`, `${ARN}:${SCHEDULE_ALIAS}`, `${ARN}:api_gateway_x`, undefined]) expect(cameThroughApi(arn)).toBe(false);
});
