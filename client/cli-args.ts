/**
 * The `wll-token` command line: options parsed into what the CLI does, and usage errors that
 * say what is wrong without quoting what was given (an argument in the wrong place is often the
 * token itself, and stderr goes to CI logs).
 */
import { parseArgs } from 'node:util';
import { checkedCredentialSet, DEFAULT_CREDENTIAL_SET } from './credential-set';
import { checkedSha256 } from './fingerprint';
import { kindOf, shown } from './quoting';

export interface CliOptions {
  readonly source: { readonly functionName: string } | { readonly url: string };
  /** `--set`: the credential set; undefined for the default set. */
  readonly credentialSet?: string;
  readonly audience?: string;
  readonly region?: string;
  /** Ask for a replacement of a refused token: its fingerprint, `stdin` (the token is piped in), or nothing named. */
  readonly refresh?: { readonly replacingSha256?: string } | { readonly replacingFromStdin: true };
  readonly output: 'token' | 'json' | 'header';
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const OPTIONS = {
  function: { type: 'string' },
  url: { type: 'string' },
  set: { type: 'string' },
  audience: { type: 'string' },
  region: { type: 'string' },
  refresh: { type: 'boolean' },
  replacing: { type: 'string' },
  json: { type: 'boolean' },
  header: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const STDIN_HINT = 'to name a refused token, pipe it in: printf \'%s\' "$TOKEN" | wll-token ... --refresh --replacing -';

/** Parses the command line; `help` when asked for. Throws a UsageError saying what is wrong. */
export function parseCliArgs(argv: readonly string[]): CliOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(whatIsWrong(argv, error));
  }
  if (values.help) return 'help';
  const given = (name: string, value: string | undefined) => {
    if (value !== undefined && value.trim() === '') throw new UsageError(`--${name} is empty.`);
    if (value !== undefined && (name === 'function' || name === 'url') && /token|fingerprint/.test(kindOf(value))) {
      throw new UsageError(`--${name} got ${shown(value)}, not a ${name === 'url' ? 'URL' : 'function name'}; ${STDIN_HINT}.`);
    }
    return value;
  };
  const functionName = given('function', values.function);
  const url = given('url', values.url);
  if ((functionName === undefined) === (url === undefined)) {
    throw new UsageError('give either --function <name> or --url <api url>.');
  }
  if (values.json && values.header) throw new UsageError('give --json or --header, not both.');
  const credentialSet = setOption(given('set', values.set));
  const replacing = given('replacing', values.replacing);
  if (replacing !== undefined && !values.refresh) throw new UsageError('--replacing goes with --refresh.');
  return {
    source: functionName !== undefined ? { functionName } : { url: url as string },
    ...(credentialSet === undefined ? {} : { credentialSet }),
    audience: given('audience', values.audience),
    region: given('region', values.region),
    ...(values.refresh ? { refresh: refreshOption(replacing) } : {}),
    output: values.json ? 'json' : values.header ? 'header' : 'token',
  };
}

/**
 * The usage error for what parseArgs refused, in our words: Node's message for a stray argument
 * quotes it whole, so stray arguments and unknown options are described by kind and position.
 */
function whatIsWrong(argv: readonly string[], error: unknown): string {
  const { tokens } = parseArgs({ args: [...argv], options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind === 'positional') {
      const before = argv[token.index - 1];
      const after = before !== undefined && /^--?[a-z]+$/i.test(before) ? `, after ${before}` : '';
      return `unexpected positional argument ${token.index + 1}${after}: ${kindOf(token.value)} (${token.value.length} characters, not repeated here); wll-token takes options only, and ${STDIN_HINT}.`;
    }
    if (token.kind === 'option' && !(token.name in OPTIONS) && token.name !== 'h') {
      const name = /^--?[a-z][a-z0-9-]{0,29}$/i.test(token.rawName) ? `'${token.rawName}'` : `of ${token.rawName.length} characters`;
      return `Unknown option ${name}${token.inlineValue ? ' (its value is not repeated here)' : ''}: see the options below.`;
    }
  }
  // What is left (a missing value, a value given to a flag) is said by name only: ours to show.
  return (error as Error).message.replace(/\s+/g, ' ').slice(0, 200);
}

/** The set named by `--set`; undefined for the default set, named or not (the clients' own default). */
function setOption(value: string | undefined): string | undefined {
  try {
    const set = checkedCredentialSet(value, '--set');
    return set === DEFAULT_CREDENTIAL_SET ? undefined : set;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function refreshOption(replacing: string | undefined): NonNullable<CliOptions['refresh']> {
  if (replacing === undefined) return {};
  if (replacing === '-') return { replacingFromStdin: true };
  try {
    return { replacingSha256: checkedSha256(replacing) };
  } catch {
    // Never echo the value: it may be the token itself.
    throw new UsageError(
      '--replacing takes the refused token\'s SHA-256 (64 hex characters) or - to read the token from stdin; ' +
        'a token on the command line would be visible to other users of this machine.',
    );
  }
}
