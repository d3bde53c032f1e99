import { readStartSettings, StartError } from '../../../scripts/local/settings';
import { handlerCredentialSets } from '../../../scripts/local/start-sets';

/**
 * `npm start`'s credential sets: `--sets` (after `--`), or the function's own CREDENTIAL_SETS,
 * each checked by the function's configuration rules before anything starts, and each getting its
 * tokens from the stand-in issuer.
 */
const setNames = (argv: string[], env: Record<string, string> = {}) => readStartSettings(env, argv).config.credentialSets.map((set) => set.name);

test('without sets, npm start serves the default set alone, as before', () => {
  expect(setNames([])).toEqual(['default']);
});

test('--sets adds a set per name, next to the default set, with its own secret and the default set\'s audiences', () => {
  const { config } = readStartSettings({ WLL_AUDIENCE: 'staging.wlloyalty.net', WLL_ALLOWED_AUDIENCES: 'staging.wlloyalty.net,wlloyalty.net' }, ['--sets', 'eu-prod, us-prod']);

  expect(config.credentialSets.map((set) => [set.name, set.credentialsSecretId, set.defaultAudience, set.allowedAudiences])).toEqual([
    ['default', 'wll-token-vendor/local-credentials', 'staging.wlloyalty.net', ['staging.wlloyalty.net', 'wlloyalty.net']],
    ['eu-prod', 'wll-token-vendor/local/eu-prod', 'staging.wlloyalty.net', ['staging.wlloyalty.net', 'wlloyalty.net']],
    ['us-prod', 'wll-token-vendor/local/us-prod', 'staging.wlloyalty.net', ['staging.wlloyalty.net', 'wlloyalty.net']],
  ]);
  expect(setNames(['--sets=eu-prod'])).toEqual(['default', 'eu-prod']);
});

test('--no-default-set leaves the named sets alone, as a deployment without CREDENTIALS_SECRET_ID', () => {
  expect(setNames(['--sets', 'eu-prod', '--no-default-set'])).toEqual(['eu-prod']);
});

test("CREDENTIAL_SETS in the function's own format is served with its audiences, its token URLs replaced by the stand-in's", () => {
  const env = {
    CREDENTIAL_SETS: JSON.stringify({ 'eu-prod': { secretId: 'wll/eu-prod', wllRegion: 'us', audience: 'production.wlloyalty.net' } }),
  };

  const { config } = readStartSettings(env, []);
  const named = config.credentialSets.filter((set) => set.name !== 'default');

  expect(named.map((set) => [set.name, set.credentialsSecretId, set.defaultAudience])).toEqual([['eu-prod', 'wll/eu-prod', 'production.wlloyalty.net']]);
  expect(JSON.parse(handlerCredentialSets(named, 'http://127.0.0.1:4000/oauth/token'))).toEqual({
    'eu-prod': { secretId: 'wll/eu-prod', tokenUrl: 'http://127.0.0.1:4000/oauth/token', audience: 'production.wlloyalty.net', allowedAudiences: ['production.wlloyalty.net'] },
  });
});

test.each<[string, string[], Record<string, string>, RegExp]>([
  ['a bad set name, by the function\'s own rule', ['--sets', 'EU_prod'], {}, /CREDENTIAL_SETS names a set 'EU_prod': a set name is 1 to 40 lowercase letters/],
  ['the name default', ['--sets', 'default'], {}, /and not 'default'/],
  ['a set named twice', ['--sets', 'eu-prod,eu-prod'], {}, /--sets names a set twice/],
  ['--sets without names', ['--sets'], {}, /--sets needs a comma-separated list of set names/],
  ['an unknown option', ['--set', 'eu-prod'], {}, /Unknown option '--set': npm start accepts --sets/],
  ['both --sets and CREDENTIAL_SETS', ['--sets', 'eu-prod'], { CREDENTIAL_SETS: '{"us-prod":{"secretId":"x"}}' }, /Both --sets and CREDENTIAL_SETS/],
  ['--no-default-set alone', ['--no-default-set'], {}, /--no-default-set leaves nothing to serve/],
  ['--sets given to npm itself', [], { npm_config_sets: 'eu-prod' }, /put it after --, as in npm start -- --sets eu-prod/],
  ['sets with real WLL credentials', ['--sets', 'eu-prod'], { WLL_CLIENT_ID: 'id', WLL_CLIENT_SECRET: 'secret' }, /unset WLL_CLIENT_ID and WLL_CLIENT_SECRET/],
  ['CREDENTIAL_SETS that is not JSON', [], { CREDENTIAL_SETS: 'eu-prod' }, /CREDENTIAL_SETS is not valid JSON/],
])('%s is refused before anything starts, saying what to do', (_what, argv, env, message) => {
  expect(() => readStartSettings(env, argv)).toThrow(StartError);
  expect(() => readStartSettings(env, argv)).toThrow(message);
});
