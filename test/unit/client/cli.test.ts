import { EXIT_CODES, HELP, parseCliArgs, runCli, type CliClients, type CliIo } from '../../../client/cli';
import {
  BadRequestError,
  ConfigurationError,
  CredentialsError,
  IssuerError,
  RateLimitedError,
  ServiceAccessError,
  UnexpectedError,
} from '../../../client/errors';
import type { RefreshOptions, TokenClient } from '../../../client/token-client';
import type { TokenResult } from '../../../client/token-result';

const RESULT: TokenResult = {
  accessToken: 'tok-abc',
  tokenType: 'Bearer',
  expiresAt: '2026-11-30T12:00:00.000Z',
  expiresIn: 86_100,
  audience: 'wlloyalty.net',
  source: 'issuer',
  credentialSet: 'default',
};

/** Runs the CLI with clients that answer `outcome`, and records how they were made and called. */
async function run(argv: string[], outcome: TokenResult | Error = RESULT, io: Partial<CliIo> = {}) {
  let stdout = '';
  let stderr = '';
  const made: unknown[] = [];
  const calls: unknown[] = [];
  const fake = (options: unknown): TokenClient => {
    made.push(options);
    const answer = () => (outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome));
    return {
      getToken: () => (calls.push('getToken'), answer()),
      refreshToken: (refresh?: RefreshOptions) => (calls.push({ refreshToken: refresh }), answer()),
      clear: () => undefined,
    };
  };
  const clients = { createTokenClient: fake, createHttpTokenClient: fake } as unknown as CliClients;
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), ...io }, clients);
  return { code, stdout, stderr, made, calls };
}

test('prints the token, and nothing else', async () => {
  const out = await run(['--url', 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/']);

  expect(out).toMatchObject({ code: 0, stdout: 'tok-abc\n', stderr: '' });
  expect(out.calls).toEqual(['getToken']);
  expect(out.made).toEqual([{ url: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/', audience: undefined, region: undefined }]);
});

test('--json prints the whole result; --header the Authorization line', async () => {
  const json = await run(['--function', 'vendor', '--audience', 'staging.wlloyalty.net', '--region', 'eu-west-1', '--json']);
  const header = await run(['--function', 'vendor', '--header']);

  expect(JSON.parse(json.stdout)).toEqual(RESULT);
  expect(json.made).toEqual([{ functionName: 'vendor', audience: 'staging.wlloyalty.net', region: 'eu-west-1' }]);
  expect(header.stdout).toBe('Authorization: Bearer tok-abc\n');
});

test('--help prints the usage and every exit code', async () => {
  const out = await run(['--help']);

  expect(out.code).toBe(0);
  expect(out.stdout).toBe(HELP);
  for (const code of Object.values(EXIT_CODES)) expect(HELP).toMatch(new RegExp(`^  ${code}  `, 'm'));
});

test.each([
  [[], /give either --function <name> or --url <api url>/],
  [['--function', 'f', '--url', 'https://x.example.com/'], /give either/],
  [['--function', 'f', '--json', '--header'], /--json or --header, not both/],
  [['--function'], /argument missing/],
  [['--function', 'f', '--verbose'], /Unknown option '--verbose'/],
  [['--function', 'f', 'extra'], /positional argument/],
  [['--function', ' '], /--function is empty/],
  [['--function', 'f', '--replacing', '-'], /--replacing goes with --refresh/],
  [['--function', 'f', '--refresh', '--replacing', 'eyJhbGciOiJSUzI1NiJ9.secret-token'], /--replacing takes the refused token's SHA-256 \(64 hex characters\) or - to read the token from stdin/],
])('usage error %j: exit 2, one line on stderr', async (argv, message) => {
  const out = await run(argv);

  expect(out.code).toBe(EXIT_CODES.usage);
  expect(out.stdout).toBe('');
  expect(out.stderr).toMatch(message);
  expect(out.stderr).toMatch(/^wll-token: [^\n]*\(see wll-token --help\)\n$/);
});

test('a token given to --replacing is never echoed', async () => {
  const out = await run(['--function', 'f', '--refresh', '--replacing', 'eyJhbGciOiJSUzI1NiJ9.secret-token']);

  expect(out.stderr).not.toContain('secret-token');
  expect(out.calls).toEqual([]);
});

describe('--refresh', () => {
  const sha = 'AB'.repeat(32);

  test('alone asks for a new token without naming one (the CLI holds none)', async () => {
    const out = await run(['--url', 'http://127.0.0.1:3000/', '--refresh']);

    expect(out).toMatchObject({ code: 0, stdout: 'tok-abc\n' });
    expect(out.calls).toEqual([{ refreshToken: {} }]);
  });

  test('--replacing <sha256> names the refused token by its fingerprint (lowercased)', async () => {
    const out = await run(['--function', 'vendor', '--refresh', '--replacing', sha, '--json']);

    expect(out.code).toBe(0);
    expect(out.calls).toEqual([{ refreshToken: { replacingSha256: sha.toLowerCase() } }]);
  });

  test('--replacing - reads the refused token from stdin and hands it to the client only', async () => {
    const out = await run(['--function', 'vendor', '--refresh', '--replacing', '-'], RESULT, { stdin: () => Promise.resolve('refused-token\n') });

    expect(out.code).toBe(0);
    expect(out.calls).toEqual([{ refreshToken: { replacing: 'refused-token' } }]);
  });

  test.each(['', '  \n', 'two tokens'])('--replacing - with stdin %j is a usage error', async (stdin) => {
    const out = await run(['--function', 'vendor', '--refresh', '--replacing', '-'], RESULT, { stdin: () => Promise.resolve(stdin) });

    expect(out.code).toBe(EXIT_CODES.usage);
    expect(out.stderr).toMatch(/^wll-token: --replacing - reads the refused token from stdin: pipe exactly one token/);
    expect(out.calls).toEqual([]);
  });
});

test('AWS_DEFAULT_REGION stands in for AWS_REGION, as for the AWS CLI, and never overrides it', async () => {
  const onlyDefault: NodeJS.ProcessEnv = { AWS_DEFAULT_REGION: 'eu-west-2' };
  const both: NodeJS.ProcessEnv = { AWS_DEFAULT_REGION: 'eu-west-2', AWS_REGION: 'us-east-1' };

  await run(['--function', 'vendor'], RESULT, { env: onlyDefault });
  await run(['--function', 'vendor'], RESULT, { env: both });

  expect(onlyDefault.AWS_REGION).toBe('eu-west-2');
  expect(both.AWS_REGION).toBe('us-east-1');
});

test('a URL the HTTP client refuses is a usage error', async () => {
  let stderr = '';
  const code = await runCli(['--url', 'http://tokens.example.com/'], { stdout: () => undefined, stderr: (t) => (stderr += t) });

  expect(code).toBe(EXIT_CODES.usage);
  expect(stderr).toMatch(/^wll-token: The API URL must use https.*\(see wll-token --help\)\n$/);
  expect(parseCliArgs(['--url', 'x'])).toEqual({ source: { url: 'x' }, output: 'token', audience: undefined, region: undefined });
});

test.each([
  [new ConfigurationError('WLL_REGION is mars.'), 3, "the service's configuration is invalid"],
  [new BadRequestError("Audience 'x' is not allowed."), 4, 'request refused'],
  [new CredentialsError('Rejected.', { code: 'credentials_rejected' }), 5, "the service's WLL client credentials are unusable"],
  [new IssuerError('WLL failed.'), 6, "WLL's token endpoint failed"],
  [new RateLimitedError(120, 'Rate limited: retry after 120 seconds.'), 7, 'rate limited by WLL'],
  [new ServiceAccessError('No AWS credentials found.'), 8, 'cannot reach the token service'],
  [new UnexpectedError('Odd answer.'), 1, 'unexpected error'],
  [new TypeError('a bug'), 1, 'unexpected error: TypeError'],
])('%s: exit %i', async (error, code, label) => {
  const out = await run(['--function', 'vendor'], error);

  expect(out.code).toBe(code);
  expect(out.stdout).toBe('');
  expect(out.stderr.startsWith(`wll-token: ${label}`)).toBe(true);
  expect(out.stderr.trimEnd().split('\n')).toHaveLength(1);
});

test('a multi-line message stays on one line', async () => {
  const out = await run(['--function', 'vendor'], new IssuerError('first line\nsecond line'));

  expect(out.stderr).toBe("wll-token: WLL's token endpoint failed: first line second line\n");
});

describe('--set <name>: the credential set', () => {
  test('goes to the Lambda client and to the HTTP client, for getting and for refreshing', async () => {
    const viaFunction = await run(['--function', 'vendor', '--set', 'eu-prod']);
    const viaUrl = await run(['--url', 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/', '--set', 'eu-prod', '--refresh']);

    expect(viaFunction.made).toEqual([{ functionName: 'vendor', credentialSet: 'eu-prod', audience: undefined, region: undefined }]);
    expect(viaUrl.made).toEqual([{ url: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/', credentialSet: 'eu-prod', audience: undefined, region: undefined }]);
    expect(viaUrl.calls).toEqual([{ refreshToken: {} }]);
    expect(parseCliArgs(['--function', 'f', '--set', 'us-staging'])).toMatchObject({ credentialSet: 'us-staging' });
  });

  test('without it, or with --set default, the clients get no credentialSet at all (the default set)', async () => {
    const out = await run(['--function', 'vendor']);
    const named = await run(['--url', 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/', '--set', 'default']);

    expect(out.made[0]).not.toHaveProperty('credentialSet');
    expect(named.code).toBe(0);
    expect(named.made[0]).not.toHaveProperty('credentialSet');
  });

  test.each([
    [['--function', 'f', '--set', 'EU'], /^wll-token: --set 'EU' is not a credential set name: a lowercase letter, then up to 39 lowercase letters, digits or hyphens, such as 'eu-prod'\./],
    [['--function', 'f', '--set', ''], /^wll-token: --set is empty\./],
    [['--function', 'f', '--set'], /argument missing/],
  ])('%j is a usage error, before any client is made', async (argv, message) => {
    const out = await run(argv);

    expect(out.code).toBe(EXIT_CODES.usage);
    expect(out.stderr).toMatch(message);
    expect(out.made).toEqual([]);
  });

  test('the help documents it with an example', () => {
    expect(HELP).toMatch(/\[--set <name>\]/);
    expect(HELP).toMatch(/^ {2}--set <name> {8}the credential set to get \(or refresh\) a token of/m);
    expect(HELP).toContain('npx wll-token --function wll-token-vendor --set eu-prod');
  });

  test('--json prints the credentialSet the service answered with', async () => {
    const out = await run(['--function', 'vendor', '--set', 'eu-prod', '--json'], { ...RESULT, credentialSet: 'eu-prod' });

    expect(JSON.parse(out.stdout)).toMatchObject({ credentialSet: 'eu-prod' });
  });
});

describe('stray arguments are described, never quoted', () => {
  const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjbGllbnQifQ.c2lnbmF0dXJlLXNlY3JldC1wYXJ0';
  const OPAQUE = 'opaque-secret-part-0123456789abcdefghij';

  test.each([
    [['--url', 'https://x.example.com/', '--refresh', JWT], /unexpected positional argument 4, after --refresh: what looks like a token \(a JWT\) \(\d+ characters, not repeated here\)/],
    [['--url', 'https://x.example.com/', '--refresh', '--replacing', '-', OPAQUE], /unexpected positional argument 6: what looks like a token or a key/],
    [['--function', 'f', 'extra'], /unexpected positional argument 3: a value \(5 characters, not repeated here\); wll-token takes options only/],
    [['--function', 'f', `--${OPAQUE}`], /Unknown option of \d+ characters/],
    [['--function', 'f', '--token=secret-part'], /Unknown option '--token' \(its value is not repeated here\)/],
    [['--function', 'f', '--refresh=secret-part'], /Option '--refresh' does not take an argument/],
    [['--url', JWT], /--url got what looks like a token \(a JWT\)/],
    [['--function', 'f', '--set', `${OPAQUE.toUpperCase()}_KEY`], /--set what looks like a token or a key \(\d+ characters, not repeated here\) is not a credential set name/],
  ])('%#: exit 2, the kind and place said', async (argv, message) => {
    const out = await run(argv);

    expect(out.code).toBe(EXIT_CODES.usage);
    expect(out.stderr).toMatch(message);
    expect(out.stderr).not.toMatch(/secret-part|c2lnbmF0dXJl/);
    expect(out.made).toEqual([]);
  });

  test('a stray token after --refresh says how to pass a refused token instead', async () => {
    const out = await run(['--url', 'https://x.example.com/', '--refresh', JWT]);

    expect(out.stderr).toContain('printf \'%s\' "$TOKEN" | wll-token ... --refresh --replacing -');
  });
});
