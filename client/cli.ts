import { parseArgs } from 'node:util';
import { oneLine } from './error-mapping';
import { TokenClientError, type TokenErrorKind } from './errors';
import { createHttpTokenClient } from './http-client';
import { createTokenClient } from './lambda-client';
import type { TokenClient } from './token-client';

/** The exit code of each outcome; documented in `--help` and the README. */
export const EXIT_CODES = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  configuration: 3,
  bad_request: 4,
  credentials: 5,
  issuer: 6,
  rate_limited: 7,
  service_access: 8,
} as const satisfies Record<TokenErrorKind | 'ok' | 'usage', number>;

export const HELP = `Usage: wll-token (--function <name> | --url <api url>) [--audience <aud>] [--region <region>] [--json | --header]

Prints a WLL admin API token from a deployed WLL token vendor, for scripts:
  TOKEN=$(npx wll-token --url https://abc123.execute-api.eu-west-1.amazonaws.com/prod/)

Where the token comes from (give one):
  --function <name>   invoke the vending function (stack output TokenFunctionName or
                      TokenFunctionArn; needs lambda:InvokeFunction)
  --url <api url>     call its HTTP API, signed with SigV4 (stack output TokenApiUrl; needs
                      execute-api:Invoke); http://127.0.0.1:3000/ for a local \`npm start\`

Options:
  --audience <aud>    the audience to ask for (default: the service's WLL_AUDIENCE)
  --region <region>   the AWS region (default: from the API host name, else AWS_REGION or
                      the AWS config)
  --json              print the whole result as JSON (accessToken, tokenType, expiresAt,
                      expiresIn, audience, source)
  --header            print the line "Authorization: Bearer <token>"
  -h, --help          print this help

AWS credentials come from the default chain, as for the AWS CLI (environment variables,
AWS_PROFILE, SSO, container or instance role).

Exit codes (on failure stdout stays empty and stderr gets one line):
  0  the token, the JSON result or the header line is on stdout
  1  unexpected error
  2  usage: missing, unknown or conflicting options
  3  the service's configuration is invalid (ConfigurationError)
  4  the request was refused: malformed, or the audience is not allowed (BadRequestError)
  5  the service's WLL client credentials are missing or were rejected (CredentialsError)
  6  WLL's token endpoint failed (IssuerError)
  7  WLL is rate limiting the service (RateLimitedError); the message says when to retry
  8  the service could not be reached or refused access: AWS credentials or permission,
     function name or URL, region, throttling, network
`;

export interface CliOptions {
  readonly source: { readonly functionName: string } | { readonly url: string };
  readonly audience?: string;
  readonly region?: string;
  readonly output: 'token' | 'json' | 'header';
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Parses the command line; `help` when asked for. Throws a UsageError saying what is wrong. */
export function parseCliArgs(argv: readonly string[]): CliOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        function: { type: 'string' },
        url: { type: 'string' },
        audience: { type: 'string' },
        region: { type: 'string' },
        json: { type: 'boolean' },
        header: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    // parseArgs's messages name the option; they are ours to show.
    throw new UsageError(oneLine((error as Error).message, 200));
  }
  if (values.help) return 'help';
  const given = (name: string, value: string | undefined) => {
    if (value !== undefined && value.trim() === '') throw new UsageError(`--${name} is empty.`);
    return value;
  };
  const functionName = given('function', values.function);
  const url = given('url', values.url);
  if ((functionName === undefined) === (url === undefined)) {
    throw new UsageError('give either --function <name> or --url <api url>.');
  }
  if (values.json && values.header) throw new UsageError('give --json or --header, not both.');
  return {
    source: functionName !== undefined ? { functionName } : { url: url as string },
    audience: given('audience', values.audience),
    region: given('region', values.region),
    output: values.json ? 'json' : values.header ? 'header' : 'token',
  };
}

const LABELS: Record<TokenErrorKind, string> = {
  configuration: "the service's configuration is invalid",
  bad_request: 'request refused',
  credentials: "the service's WLL client credentials are unusable",
  issuer: "WLL's token endpoint failed",
  rate_limited: 'rate limited by WLL',
  service_access: 'cannot reach the token service',
  unexpected: 'unexpected error',
};

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** The client factories the CLI uses; tests pass fakes. */
export interface CliClients {
  readonly createTokenClient: typeof createTokenClient;
  readonly createHttpTokenClient: typeof createHttpTokenClient;
}

/** Runs the CLI and returns its exit code. Only the intended output goes to stdout. */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  clients: CliClients = { createTokenClient, createHttpTokenClient },
): Promise<number> {
  let client: TokenClient;
  let options: CliOptions;
  try {
    const parsed = parseCliArgs(argv);
    if (parsed === 'help') {
      io.stdout(HELP);
      return EXIT_CODES.ok;
    }
    options = parsed;
    client =
      'url' in options.source
        ? clients.createHttpTokenClient({ url: options.source.url, audience: options.audience, region: options.region })
        : clients.createTokenClient({ functionName: options.source.functionName, audience: options.audience, region: options.region });
  } catch (error) {
    // Bad options, and the clients' own checks of them (a URL that is not one, no region).
    io.stderr(`wll-token: ${oneLine((error as Error).message, 300)} (see wll-token --help)\n`);
    return EXIT_CODES.usage;
  }
  try {
    const result = await client.getToken();
    if (options.output === 'json') io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else if (options.output === 'header') io.stdout(`Authorization: Bearer ${result.accessToken}\n`);
    else io.stdout(`${result.accessToken}\n`);
    return EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof TokenClientError) {
      io.stderr(`wll-token: ${LABELS[error.kind]}: ${oneLine(error.message, 600)}\n`);
      return EXIT_CODES[error.kind];
    }
    const name = error instanceof Error ? error.name : typeof error;
    const message = error instanceof Error ? `: ${oneLine(error.message, 300)}` : '';
    io.stderr(`wll-token: ${LABELS.unexpected}: ${name}${message}\n`);
    return EXIT_CODES.unexpected;
  }
}

/** The entry point of bin/wll-token.js. */
export function main(argv: readonly string[] = process.argv.slice(2)): void {
  const io: CliIo = { stdout: (text) => void process.stdout.write(text), stderr: (text) => void process.stderr.write(text) };
  runCli(argv, io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      io.stderr(`wll-token: ${LABELS.unexpected}: ${error instanceof Error ? error.name : 'error'}\n`);
      process.exitCode = EXIT_CODES.unexpected;
    },
  );
}
