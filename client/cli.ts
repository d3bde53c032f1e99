/**
 * The `wll-token` CLI: gets (or replaces) a token through either client, prints it for scripts,
 * and turns each kind of failure into one line on stderr and its own exit code.
 */
import { parseCliArgs, UsageError, type CliOptions } from './cli-args';
import { oneLine } from './error-mapping';
import { TokenClientError, type TokenErrorKind } from './errors';
import { createHttpTokenClient } from './http-client';
import { createTokenClient } from './lambda-client';
import type { RefreshOptions, TokenClient } from './token-client';
import type { TokenResult } from './token-result';

export { parseCliArgs, UsageError, type CliOptions } from './cli-args';

/** The exit code of each outcome; documented in `--help` and docs/clients.md. */
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

export const HELP = `Usage: wll-token (--function <name> | --url <api url>) [--set <name>] [--audience <aud>]
                 [--region <region>] [--refresh [--replacing <sha256> | --replacing -]] [--json | --header]

Prints a WLL admin API token from a deployed WLL token vendor, for scripts:
  TOKEN=$(npx wll-token --url https://abc123.execute-api.eu-west-1.amazonaws.com/prod/)
After WLL refused that token (HTTP 401), get its replacement:
  TOKEN=$(printf '%s' "$TOKEN" | npx wll-token --url https://abc123.execute-api.eu-west-1.amazonaws.com/prod/ --refresh --replacing -)
A token of the credential set eu-prod (its alias, or its path /sets/eu-prod/token):
  TOKEN=$(npx wll-token --function wll-token-vendor --set eu-prod)

Where the token comes from (give one):
  --function <name>   invoke the vending function (stack output TokenFunctionName or
                      TokenFunctionArn; needs lambda:InvokeFunction)
  --url <api url>     call its HTTP API, signed with SigV4 (stack output TokenApiUrl; needs
                      execute-api:Invoke); http://127.0.0.1:3000/ for a local \`npm start\`

Options:
  --set <name>        the credential set to get (or refresh) a token of, such as eu-prod: with
                      --function the set's alias is invoked (Qualifier <name>), with --url the
                      set's path is called (<api url>sets/<name>/token); IAM grants each set
                      separately. Default: the default set (the unqualified function, /token)
  --audience <aud>    the audience to ask for (default: the set's configured audience)
  --region <region>   the AWS region (default: from the API host name or function ARN, else
                      AWS_REGION, AWS_DEFAULT_REGION or the profile's region in the AWS config)
  --refresh           ask for a new token (the service's forceRefresh), because WLL refused
                      the current one; the service mints only if the refused token is still
                      its current one, else returns its newer token
  --replacing <arg>   with --refresh: the refused token's SHA-256 (64 hex characters), or -
                      to read the refused token itself from stdin (never on the command line)
  --json              print the whole result as JSON (accessToken, tokenType, expiresAt,
                      expiresIn, audience, source, and credentialSet when the service says)
  --header            print the line "Authorization: Bearer <token>"
  -h, --help          print this help

AWS credentials come from the default chain, as for the AWS CLI (environment variables,
AWS_PROFILE, SSO, container or instance role). A loopback URL (npm start) is called without
AWS credentials: it has no IAM.

Exit codes (on failure stdout stays empty and stderr gets one line):
  0  the token, the JSON result or the header line is on stdout
  1  unexpected error
  2  usage: missing, unknown or conflicting options
  3  the service's configuration is invalid (ConfigurationError)
  4  the request was refused: malformed, the audience is not allowed, or no credential set
     was given to a deployment without a default set (BadRequestError)
  5  the service's WLL client credentials are missing or were rejected (CredentialsError)
  6  WLL's token endpoint failed (IssuerError)
  7  WLL is rate limiting the service (RateLimitedError); the message says when to retry
  8  the service could not be reached or refused access: AWS credentials or permission,
     function name or URL, region, a credential set that is not deployed, throttling, network
`;

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
  /** All of stdin, for `--replacing -`. */
  readonly stdin?: () => Promise<string>;
  /**
   * The environment, when it is the process's own: AWS_DEFAULT_REGION is applied to it as the
   * AWS CLI does (below AWS_REGION, above the config file), which the AWS SDK alone does not.
   */
  readonly env?: NodeJS.ProcessEnv;
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
    if (io.env && !io.env.AWS_REGION && io.env.AWS_DEFAULT_REGION) io.env.AWS_REGION = io.env.AWS_DEFAULT_REGION;
    const common = {
      audience: options.audience,
      region: options.region,
      ...(options.credentialSet === undefined ? {} : { credentialSet: options.credentialSet }),
    };
    client =
      'url' in options.source
        ? clients.createHttpTokenClient({ url: options.source.url, ...common })
        : clients.createTokenClient({ functionName: options.source.functionName, ...common });
  } catch (error) {
    // Bad options, and the clients' own checks of them (a URL that is not one, no region).
    io.stderr(`wll-token: ${oneLine((error as Error).message, 300)} (see wll-token --help)\n`);
    return EXIT_CODES.usage;
  }
  let refresh: RefreshOptions | undefined;
  try {
    refresh = options.refresh && (await refreshOptions(options.refresh, io));
  } catch (error) {
    io.stderr(`wll-token: ${oneLine((error as Error).message, 300)} (see wll-token --help)\n`);
    return EXIT_CODES.usage;
  }
  try {
    const result: TokenResult = refresh ? await client.refreshToken(refresh) : await client.getToken();
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

/** What to tell the client about the refused token; a token read from stdin is only ever handed to it. */
async function refreshOptions(refresh: NonNullable<CliOptions['refresh']>, io: CliIo): Promise<RefreshOptions> {
  if (!('replacingFromStdin' in refresh)) return refresh;
  const token = (io.stdin ? await io.stdin() : '').trim();
  if (token === '' || /\s/.test(token)) {
    throw new UsageError('--replacing - reads the refused token from stdin: pipe exactly one token, such as printf \'%s\' "$TOKEN" | wll-token ...');
  }
  return { replacing: token };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  return text;
}

/**
 * A reader that stops early (`wll-token ... | head -c0`) closes the pipe, and the write fails
 * with EPIPE: the reader chose not to read, so there is nothing to report. Any other write
 * failure is one line on stderr, as every failure is.
 */
function quietOnClosedPipe(stream: NodeJS.WriteStream, name: string): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') return;
    process.exitCode = EXIT_CODES.unexpected;
    if (stream !== process.stderr) process.stderr.write(`wll-token: cannot write to ${name} (${error.code ?? error.name}).\n`);
  });
}

/** The entry point of bin/wll-token.js. */
export function main(argv: readonly string[] = process.argv.slice(2)): void {
  quietOnClosedPipe(process.stdout, 'stdout');
  quietOnClosedPipe(process.stderr, 'stderr');
  const io: CliIo = {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    stdin: () => readAll(process.stdin),
    env: process.env,
  };
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
