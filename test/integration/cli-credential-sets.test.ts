import { startLocalApi, type LocalApi } from '../../scripts/local/api-server';
import { tokenSha256 } from '../../client/fingerprint';
import { CredentialSetsStandIn } from '../support/credential-sets-stand-in';
import { LambdaInvokeStandIn } from '../support/lambda-invoke-stand-in';
import { childEnv, redact, runCli, type CliRun } from '../support/processes';
import { leakedIn } from '../support/sensitive-values';
import { expectSameToken } from '../support/token-assertions';

/**
 * `wll-token --set <name>` end to end, as a child process: through the Lambda Invoke stand-in
 * (the set's alias is invoked) and through a local API (the set's path is called), with a
 * function that selects sets as CONTRACT section 8 says.
 */
const FUNCTION = 'wll-token-vendor';
const CREDENTIALS = { accessKeyId: 'AKIDCLISETS', secretAccessKey: 'cli-sets-secret-key' };
let service: CredentialSetsStandIn;
let lambda: LambdaInvokeStandIn;
let api: LocalApi;

beforeAll(async () => {
  service = new CredentialSetsStandIn({ sets: ['eu-prod', 'us-staging'] });
  lambda = await LambdaInvokeStandIn.start({ functions: { [FUNCTION]: service.invoke }, aliases: { [FUNCTION]: ['eu-prod', 'us-staging'] }, credentials: [CREDENTIALS] });
  api = await startLocalApi(service.api, 0);
});

afterAll(async () => {
  await Promise.all([lambda?.close(), api?.close()]);
});

const LAMBDA_ENV = {
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  AWS_MAX_ATTEMPTS: '1',
};

async function cli(args: string[]): Promise<CliRun> {
  const run = await runCli(args, childEnv({ ...LAMBDA_ENV, AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint }));
  const leaks = leakedIn(run.stderr);
  if (leaks.length > 0) throw new Error(`wll-token wrote a token to stderr: ${leaks.join(', ')}`);
  return run;
}

function expectFailure(run: CliRun, code: number, message: RegExp): void {
  if (run.code !== code || run.stdout !== '' || !message.test(run.stderr) || run.stderr.trimEnd().includes('\n')) {
    throw new Error(`Expected exit ${code} and one line matching ${message}; got exit ${run.code}, stdout ${redact(run.stdout)}, stderr ${redact(run.stderr)}`);
  }
}

test("--function --set invokes the set's alias, for the token and for its replacement", async () => {
  const got = await cli(['--function', FUNCTION, '--region', 'eu-west-1', '--set', 'eu-prod']);
  const refused = got.stdout.trimEnd();
  const refreshed = await cli(['--function', FUNCTION, '--region', 'eu-west-1', '--set', 'eu-prod', '--refresh', '--replacing', tokenSha256(refused)]);

  expect(got).toMatchObject({ code: 0, stderr: '' });
  expectSameToken(refused, service.minted.get('eu-prod')?.[0]);
  expect(refreshed).toMatchObject({ code: 0, stderr: '' });
  expectSameToken(refreshed.stdout.trimEnd(), service.current('eu-prod'));
  expect(lambda.invocations.slice(-2).map((i) => [i.qualifier, i.event])).toEqual([
    ['eu-prod', {}],
    ['eu-prod', { forceRefresh: true, replacesTokenSha256: tokenSha256(refused) }],
  ]);
});

test("--url --set calls the set's path; --json shows the set", async () => {
  const run = await cli(['--url', api.url, '--set', 'us-staging', '--json']);

  expect(run).toMatchObject({ code: 0, stderr: '' });
  const result = JSON.parse(run.stdout) as { accessToken: string; credentialSet: string };
  expect(result.credentialSet).toBe('us-staging');
  expectSameToken(result.accessToken, service.current('us-staging'));
  expect(service.requests.at(-1)).toEqual({ via: 'http', credentialSet: 'us-staging', forceRefresh: false });
});

test('a set that is not deployed is exit 8 saying so, through either entry point', async () => {
  const viaFunction = await cli(['--function', FUNCTION, '--region', 'eu-west-1', '--set', 'eu-staging']);
  const viaUrl = await cli(['--url', api.url, '--set', 'eu-staging']);

  expectFailure(viaFunction, 8, /^wll-token: cannot reach the token service: No alias eu-staging on function wll-token-vendor \(Function not found: [^)]+:eu-staging\): is the set deployed\?/);
  expectFailure(viaUrl, 8, /^wll-token: cannot reach the token service: No credential set 'eu-staging' at http:\/\/127\.0\.0\.1:\d+\/sets\/eu-staging\/token \(HTTP 404: [^)]*\): is the set deployed\?/);
});

test('a malformed set name is exit 2 before anything is called', async () => {
  const before = lambda.invocations.length + lambda.refused;

  const run = await cli(['--function', FUNCTION, '--region', 'eu-west-1', '--set', 'EU_prod']);

  expectFailure(run, 2, /^wll-token: --set 'EU_prod' is not a credential set name: .*\(see wll-token --help\)\n$/);
  expect(lambda.invocations.length + lambda.refused).toBe(before);
});

test('a deployment without a default set is exit 4 with the same advice through either entry point', async () => {
  const setsOnly = new CredentialSetsStandIn({ sets: ['eu-prod', 'us-staging'], withDefault: false });
  const setsOnlyLambda = await LambdaInvokeStandIn.start({ functions: { [FUNCTION]: setsOnly.invoke }, credentials: [CREDENTIALS] });
  const setsOnlyApi = await startLocalApi(setsOnly.api, 0);
  try {
    const env = childEnv({ ...LAMBDA_ENV, AWS_ENDPOINT_URL_LAMBDA: setsOnlyLambda.endpoint });
    const viaFunction = await runCli(['--function', FUNCTION, '--region', 'eu-west-1'], env);
    const viaUrl = await runCli(['--url', setsOnlyApi.url], env);

    const advice = /pass credentialSet, or --set for wll-token, with the set's name/;
    expectFailure(viaFunction, 4, advice);
    expectFailure(viaUrl, 4, advice);
    expect(viaUrl.stderr).toMatch(/^wll-token: request refused: /);
  } finally {
    await Promise.all([setsOnlyLambda.close(), setsOnlyApi.close()]);
  }
});
