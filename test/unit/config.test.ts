import { loadConfig, WLL_TOKEN_ENDPOINTS } from '../../lambda/config';
import { ConfigurationError } from '../../lambda/errors';

const REQUIRED = { CREDENTIALS_SECRET_ID: 'wll/credentials', TOKEN_TABLE_NAME: 'wll-tokens' };

function configError(env: Record<string, string | undefined>): ConfigurationError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

test('defaults: EU endpoint, wlloyalty.net alone, a 300 s margin', () => {
  const config = loadConfig(REQUIRED);

  expect(config).toEqual({
    credentialsSecretId: 'wll/credentials',
    tokenTableName: 'wll-tokens',
    wllRegion: 'eu',
    tokenUrl: 'https://auth.wlloyalty.net/oauth/token',
    defaultAudience: 'wlloyalty.net',
    allowedAudiences: ['wlloyalty.net'],
    refreshMarginSeconds: 300,
    leaseSeconds: 15,
    refreshAheadRatio: 0.25,
    credentialsMaxAgeSeconds: 300,
  });
  expect(Object.isFrozen(config)).toBe(true);
  expect(Object.isFrozen(config.allowedAudiences)).toBe(true);
});

test.each([
  ['us', WLL_TOKEN_ENDPOINTS.us],
  ['me', WLL_TOKEN_ENDPOINTS.me],
  ['EU', WLL_TOKEN_ENDPOINTS.eu],
])('WLL_REGION=%s picks %s', (region, url) => {
  expect(loadConfig({ ...REQUIRED, WLL_REGION: region }).tokenUrl).toBe(url);
});

test('WLL_TOKEN_URL overrides the region; http is accepted on loopback only', () => {
  expect(loadConfig({ ...REQUIRED, WLL_TOKEN_URL: 'http://127.0.0.1:8080/oauth/token' }).tokenUrl).toBe('http://127.0.0.1:8080/oauth/token');
  expect(loadConfig({ ...REQUIRED, WLL_TOKEN_URL: 'http://localhost:9/t' }).tokenUrl).toBe('http://localhost:9/t');
  expect(loadConfig({ ...REQUIRED, WLL_TOKEN_URL: 'https://auth.example.com/oauth/token' }).tokenUrl).toBe('https://auth.example.com/oauth/token');
  expect(configError({ ...REQUIRED, WLL_TOKEN_URL: 'http://auth.example.com/oauth/token' }).message).toMatch(/WLL_TOKEN_URL must use https/);
  expect(configError({ ...REQUIRED, WLL_TOKEN_URL: 'not a url' }).message).toMatch(/WLL_TOKEN_URL is not a valid URL/);
  expect(configError({ ...REQUIRED, WLL_TOKEN_URL: 'https://user:pw@auth.example.com/' }).message).toMatch(/user name or password/);
});

test('allowed audiences are trimmed, de-duplicated and must include the default', () => {
  const config = loadConfig({
    ...REQUIRED,
    WLL_AUDIENCE: 'staging.wlloyalty.net',
    WLL_ALLOWED_AUDIENCES: ' staging.wlloyalty.net, production.wlloyalty.net,,staging.wlloyalty.net ',
  });
  expect(config.allowedAudiences).toEqual(['staging.wlloyalty.net', 'production.wlloyalty.net']);
  expect(configError({ ...REQUIRED, WLL_ALLOWED_AUDIENCES: 'staging.wlloyalty.net' }).message).toMatch(
    /does not include WLL_AUDIENCE 'wlloyalty.net'/,
  );
  expect(configError({ ...REQUIRED, WLL_ALLOWED_AUDIENCES: ' , ' }).message).toMatch(/lists no audience/);
  expect(configError({ ...REQUIRED, WLL_AUDIENCE: 'has space' }).message).toMatch(/WLL_AUDIENCE has an invalid audience/);
});

test.each([
  [{ CREDENTIALS_SECRET_ID: undefined }, /CREDENTIALS_SECRET_ID is not set/],
  [{ CREDENTIALS_SECRET_ID: '   ' }, /CREDENTIALS_SECRET_ID is not set/],
  [{ TOKEN_TABLE_NAME: undefined }, /TOKEN_TABLE_NAME is not set/],
  [{ TOKEN_TABLE_NAME: 'a b' }, /TOKEN_TABLE_NAME 'a b' is not a DynamoDB table name/],
  [{ WLL_REGION: 'asia' }, /WLL_REGION is 'asia': accepted values are eu, us and me/],
  [{ TOKEN_REFRESH_MARGIN_SECONDS: 'soon' }, /TOKEN_REFRESH_MARGIN_SECONDS is 'soon': use a whole number of seconds from 0 to 86399/],
  [{ TOKEN_REFRESH_MARGIN_SECONDS: '-1' }, /TOKEN_REFRESH_MARGIN_SECONDS/],
  [{ TOKEN_REFRESH_MARGIN_SECONDS: '1.5' }, /TOKEN_REFRESH_MARGIN_SECONDS/],
  [{ TOKEN_REFRESH_MARGIN_SECONDS: '86400' }, /TOKEN_REFRESH_MARGIN_SECONDS/],
  [{ TOKEN_LEASE_SECONDS: '21' }, /TOKEN_LEASE_SECONDS is '21': use 0 \(no cross-container lease\) or a whole number of seconds from 12 .* to 20/],
  [{ TOKEN_LEASE_SECONDS: '11' }, /TOKEN_LEASE_SECONDS is '11': use 0 .* from 12 \(the issuer's 12 s budget\)/],
  [{ TOKEN_LEASE_SECONDS: '1' }, /TOKEN_LEASE_SECONDS is '1'/],
  [{ CREDENTIALS_MAX_AGE_SECONDS: '301' }, /CREDENTIALS_MAX_AGE_SECONDS is '301': use a whole number of seconds from 1 to 300/],
  [{ CREDENTIALS_MAX_AGE_SECONDS: '0' }, /CREDENTIALS_MAX_AGE_SECONDS is '0'/],
  [{ TOKEN_REFRESH_AHEAD_RATIO: '1' }, /TOKEN_REFRESH_AHEAD_RATIO is '1': use a share of the token lifetime from 0 \(off\) to 0.9/],
  [{ TOKEN_REFRESH_AHEAD_RATIO: 'quarter' }, /TOKEN_REFRESH_AHEAD_RATIO/],
])('%o fails with a message naming the variable', (override, message) => {
  const error = configError({ ...REQUIRED, ...override });
  expect(error.name).toBe('ConfigurationError');
  expect(error.message).toMatch(message);
});

test('margin, lease, refresh-ahead share and table ARN are accepted', () => {
  const config = loadConfig({
    ...REQUIRED,
    TOKEN_REFRESH_MARGIN_SECONDS: '0',
    TOKEN_LEASE_SECONDS: '0',
    TOKEN_REFRESH_AHEAD_RATIO: '.5',
    CREDENTIALS_MAX_AGE_SECONDS: '30',
    TOKEN_TABLE_NAME: 'arn:aws:dynamodb:eu-west-1:123456789012:table/wll-tokens',
  });
  expect(config.credentialsMaxAgeSeconds).toBe(30);
  expect(config.refreshMarginSeconds).toBe(0);
  expect(config.leaseSeconds).toBe(0);
  expect(config.refreshAheadRatio).toBe(0.5);
  expect(config.tokenTableName).toBe('arn:aws:dynamodb:eu-west-1:123456789012:table/wll-tokens');
});

test('a long bad value is echoed only in part', () => {
  const pasted = 'x'.repeat(100);
  expect(configError({ ...REQUIRED, WLL_REGION: pasted }).message).not.toContain(pasted);
});
