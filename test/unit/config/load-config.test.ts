import { loadConfig, WLL_TOKEN_ENDPOINTS } from '../../../lambda/config/load-config';
import { ConfigurationError } from '../../../lambda/core/errors';

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
    credentialSets: [
      {
        name: 'default',
        credentialsSecretId: 'wll/credentials',
        wllRegion: 'eu',
        tokenUrl: 'https://auth.wlloyalty.net/oauth/token',
        defaultAudience: 'wlloyalty.net',
        allowedAudiences: ['wlloyalty.net'],
      },
    ],
  });
  expect(Object.isFrozen(config)).toBe(true);
  expect(Object.isFrozen(config.credentialSets)).toBe(true);
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
  [{ TOKEN_LEASE_SECONDS: '21' }, /TOKEN_LEASE_SECONDS is '21': use 0 \(no cross-container lease\) or a whole number of seconds from 14 .* to 20/],
  [{ TOKEN_LEASE_SECONDS: '13' }, /TOKEN_LEASE_SECONDS is '13': use 0 .* from 14 \(the issuer's 12 s budget and 2 s for clock skew\)/],
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

describe('CREDENTIAL_SETS (CONTRACT section 8)', () => {
  const sets = (value: unknown) => ({ ...REQUIRED, CREDENTIAL_SETS: typeof value === 'string' ? value : JSON.stringify(value) });

  test('each set gets its secret, endpoint and audiences, with the defaults of section 1; the default set comes first', () => {
    const config = loadConfig(
      sets({
        'eu-prod': { secretId: 'wll/eu-prod' },
        'us-staging': { secretId: 'wll/us', wllRegion: 'us', audience: 'staging.wlloyalty.net', allowedAudiences: ['staging.wlloyalty.net', 'x.wlloyalty.net'] },
        local: { secretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:wll-AbCdEf', tokenUrl: 'http://127.0.0.1:9/oauth/token' },
      }),
    );

    expect(config.credentialSets.map((set) => set.name)).toEqual(['default', 'eu-prod', 'us-staging', 'local']);
    expect(config.credentialSets[1]).toEqual({
      name: 'eu-prod',
      credentialsSecretId: 'wll/eu-prod',
      wllRegion: 'eu',
      tokenUrl: WLL_TOKEN_ENDPOINTS.eu,
      defaultAudience: 'wlloyalty.net',
      allowedAudiences: ['wlloyalty.net'],
    });
    expect(config.credentialSets[2]).toMatchObject({ tokenUrl: WLL_TOKEN_ENDPOINTS.us, defaultAudience: 'staging.wlloyalty.net', allowedAudiences: ['staging.wlloyalty.net', 'x.wlloyalty.net'] });
    expect(config.credentialSets[3]!.tokenUrl).toBe('http://127.0.0.1:9/oauth/token');
    expect(config.credentialSets.every((set) => Object.isFrozen(set) && Object.isFrozen(set.allowedAudiences))).toBe(true);
  });

  test('CREDENTIALS_SECRET_ID is optional once a set is named, and without it there is no default set', () => {
    const config = loadConfig({ ...sets({ 'eu-prod': { secretId: 'wll/eu-prod' } }), CREDENTIALS_SECRET_ID: undefined });
    expect(config.credentialSets.map((set) => set.name)).toEqual(['eu-prod']);
    expect(config.credentialsSecretId).toBeUndefined();
    expect(configError({ ...sets({}), CREDENTIALS_SECRET_ID: undefined }).message).toMatch(/CREDENTIALS_SECRET_ID is not set/);
  });

  test('with CREDENTIAL_SETS_SECRET_PREFIX, a set without secretId reads the secret named <prefix><set>; one with secretId keeps its own', () => {
    const config = loadConfig({
      ...sets({ 'eu-prod': {}, 'us-prod': { secretId: 'wll/us', wllRegion: 'us' } }),
      CREDENTIAL_SETS_SECRET_PREFIX: 'WllTokenVendor-TokenVendor/',
    });
    expect(config.credentialSets.map((set) => [set.name, set.credentialsSecretId])).toEqual([
      ['default', REQUIRED.CREDENTIALS_SECRET_ID],
      ['eu-prod', 'WllTokenVendor-TokenVendor/eu-prod'],
      ['us-prod', 'wll/us'],
    ]);
    expect(configError(sets({ 'eu-prod': {} })).message).toBe(
      "CREDENTIAL_SETS set 'eu-prod' key secretId is missing: give the name or ARN of the set's Secrets Manager secret " +
        '(or set CREDENTIAL_SETS_SECRET_PREFIX, for secrets named <prefix>eu-prod).',
    );
  });

  const fifty = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`set-${i}`, { secretId: `wll/${i}` }]));

  test.each<[string, unknown, RegExp]>([
    ['not JSON', '{eu-prod: 1', /^CREDENTIAL_SETS is not valid JSON: give a JSON object such as/],
    ['an array', [{ secretId: 'a' }], /^CREDENTIAL_SETS must be a JSON object from set name to settings/],
    ['null', null, /^CREDENTIAL_SETS must be a JSON object/],
    ['51 sets', fifty, /^CREDENTIAL_SETS names 51 sets: at most 50 are allowed\.$/],
    ['a name called default', { default: { secretId: 'a' } }, /^CREDENTIAL_SETS names a set 'default': a set name is 1 to 40 lowercase letters/],
    ['an upper-case name', { EuProd: { secretId: 'a' } }, /names a set 'EuProd'/],
    ['a name starting with a digit', { '1eu': { secretId: 'a' } }, /names a set '1eu'/],
    ['a 41-character name', { [`a${'b'.repeat(40)}`]: { secretId: 'a' } }, /names a set 'ab{40}'/],
    ['an underscore', { api_gateway: { secretId: 'a' } }, /names a set 'api_gateway'/],
    ['settings that are a string', { 'eu-prod': 'wll/eu-prod' }, /^CREDENTIAL_SETS set 'eu-prod' must be a JSON object such as \{"secretId": "wll\/eu-prod"\}\.$/],
    ['an unknown key', { 'eu-prod': { secretId: 'a', region: 'us' } }, /^CREDENTIAL_SETS set 'eu-prod' has an unknown key 'region': the keys are secretId, wllRegion, tokenUrl, audience, allowedAudiences\.$/],
    ['no secretId', { 'eu-prod': { wllRegion: 'eu' } }, /^CREDENTIAL_SETS set 'eu-prod' key secretId is missing/],
    ['a numeric secretId', { 'eu-prod': { secretId: 5 } }, /^CREDENTIAL_SETS set 'eu-prod' key secretId must be a non-empty string\.$/],
    ['an empty secretId', { 'eu-prod': { secretId: ' ' } }, /key secretId must be a non-empty string/],
    ['a long secretId', { 'eu-prod': { secretId: 'x'.repeat(2049) } }, /key secretId is longer than 2048 characters/],
    ['an unknown region', { 'eu-prod': { secretId: 'a', wllRegion: 'asia' } }, /^CREDENTIAL_SETS set 'eu-prod' key wllRegion is 'asia': accepted values are eu, us and me/],
    ['an http token URL', { 'eu-prod': { secretId: 'a', tokenUrl: 'http://auth.example.com/t' } }, /^CREDENTIAL_SETS set 'eu-prod' key tokenUrl must use https/],
    ['a token URL with a password', { 'eu-prod': { secretId: 'a', tokenUrl: 'https://u:p@auth.example.com/t' } }, /key tokenUrl must not carry a user name or password/],
    ['a bad audience', { 'eu-prod': { secretId: 'a', audience: 'a b' } }, /^CREDENTIAL_SETS set 'eu-prod' key audience has an invalid audience 'a b'/],
    ['allowedAudiences as a string', { 'eu-prod': { secretId: 'a', allowedAudiences: 'wlloyalty.net' } }, /key allowedAudiences must be a JSON array of audiences, such as \["wlloyalty.net"\]/],
    ['allowedAudiences with a number', { 'eu-prod': { secretId: 'a', allowedAudiences: ['wlloyalty.net', 3] } }, /key allowedAudiences must be a JSON array/],
    ['empty allowedAudiences', { 'eu-prod': { secretId: 'a', allowedAudiences: [] } }, /key allowedAudiences lists no audience/],
    ['allowedAudiences without the audience', { 'eu-prod': { secretId: 'a', allowedAudiences: ['x.wlloyalty.net'] } }, /^CREDENTIAL_SETS set 'eu-prod' key allowedAudiences \(x.wlloyalty.net\) does not include CREDENTIAL_SETS set 'eu-prod' key audience 'wlloyalty.net'/],
  ])('%s is a ConfigurationError naming the set and the key', (_what, value, message) => {
    const error = configError(sets(value));
    expect(error.message).toMatch(message);
    expect(error.message.length).toBeLessThanOrEqual(1_000);
  });

  test('huge or hostile input makes a short message that never echoes it whole', () => {
    const pasted = `s3cr3t-${'x'.repeat(10_000)}`;
    for (const value of [
      { [`${pasted}`]: { secretId: 'a' } },
      { 'eu-prod': { secretId: 'a', [pasted]: 1 } },
      { 'eu-prod': { secretId: 'a', wllRegion: pasted } },
      { 'eu-prod': { secretId: 'a', allowedAudiences: Array.from({ length: 500 }, (_, i) => `aud-${i}.example.com`) } },
      `{"eu-prod": "${pasted}`,
    ]) {
      const error = configError(sets(value));
      expect(error.message.length).toBeLessThanOrEqual(1_000);
      expect(error.message).not.toContain(pasted.slice(0, 100));
    }
  });
});
