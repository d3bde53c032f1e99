import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { checkedCredentialSet } from './credential-set';
import { errorFromCallFailure, errorFromFunctionPayload, errorFromMissingAlias } from './error-mapping';
import { UnexpectedError } from './errors';
import { TokenCache, type TokenRequest } from './token-cache';
import type { TokenClient } from './token-client';
import { checkAnsweredSet, parseTokenResult, type TokenResult } from './token-result';

export interface LambdaTokenClientOptions {
  /** The vending function's name or ARN (the stack output `TokenFunctionName` or `TokenFunctionArn`). */
  readonly functionName: string;
  /** The audience to ask for. @default the function's configured audience */
  readonly audience?: string;
  /**
   * The credential set to get tokens of (CONTRACT section 8), such as `eu-prod`: the client
   * invokes the function's alias of that name (`Qualifier`), which is what IAM grants per set
   * (the construct's `grantInvoke(grantee, { credentialSet })`). A name is a lowercase letter,
   * then up to 39 lowercase letters, digits or hyphens; `default` is not one (leave the option out).
   * @default the `default` set: the unqualified function, exactly as without credential sets
   */
  readonly credentialSet?: string;
  /**
   * The Lambda client to invoke with.
   * @default a new `LambdaClient` in `region`, or the region of an ARN, or the SDK's default region
   */
  readonly client?: LambdaClient;
  /** The region of the default client (ignored when `client` is given). */
  readonly region?: string;
  /** Renew the token when it has less than this left. @default 60 */
  readonly refreshBeforeExpirySeconds?: number;
  /** The clock, in epoch milliseconds. @default Date.now */
  readonly now?: () => number;
}

const INVOKE_ADVICE = 'check the credentials, and that this principal may call lambda:InvokeFunction on it (the construct\'s grantInvoke)';
const setInvokeAdvice = (set: string) =>
  `check the credentials, and that this principal may call lambda:InvokeFunction on the alias ${set} ` +
  `(the construct's grantInvoke(grantee, { credentialSet: '${set}' }), or the set's allowedPrincipalArns)`;

/**
 * A token client for code running in AWS (typically another Lambda): invokes the
 * vending function directly (`lambda:InvokeFunction`, CONTRACT section 4), keeps the
 * token in memory until shortly before it expires, and turns the function's errors
 * back into typed errors (`ConfigurationError`, `BadRequestError`, `CredentialsError`,
 * `IssuerError`, `RateLimitedError`, else `ServiceAccessError` or `UnexpectedError`).
 *
 * With `credentialSet`, it invokes that set's alias and keeps that set's token: a client per
 * set, and clients never share tokens.
 *
 * Create it once, outside the handler, so warm invocations reuse the token:
 * ```ts
 * const tokens = createTokenClient({ functionName: process.env.TOKEN_FUNCTION_NAME! });
 * const wll = createWllFetch({ tokens, apiKey: process.env.WLL_API_KEY, baseUrl: process.env.WLL_API_URL });
 * export const handler = async () => {
 *   const response = await wll('...'); // Authorization and X-Api-Key set; a refused token is replaced once
 * };
 * ```
 */
export function createTokenClient(options: LambdaTokenClientOptions): TokenClient {
  const { functionName, audience } = options;
  if (typeof functionName !== 'string' || functionName.trim() === '') {
    throw new TypeError('createTokenClient needs functionName: the stack output TokenFunctionName or TokenFunctionArn.');
  }
  if (audience !== undefined && (typeof audience !== 'string' || audience === '')) {
    throw new TypeError('audience must be a non-empty string, such as "wlloyalty.net"; leave it out for the default.');
  }
  const credentialSet = checkedCredentialSet(options.credentialSet);
  const qualifier = credentialSet === undefined ? undefined : qualifierFor(functionName, credentialSet);
  const client = options.client ?? new LambdaClient({ region: options.region ?? regionOfArn(functionName) });
  const target = credentialSet === undefined ? `function ${functionName}` : `alias ${credentialSet} of function ${functionName}`;
  const advice = credentialSet === undefined ? INVOKE_ADVICE : setInvokeAdvice(credentialSet);

  const invoke = async ({ forceRefresh, replacesTokenSha256 }: TokenRequest): Promise<TokenResult> => {
    const event = {
      ...(audience === undefined ? {} : { audience }),
      ...(forceRefresh ? { forceRefresh: true } : {}),
      ...(forceRefresh && replacesTokenSha256 !== undefined ? { replacesTokenSha256 } : {}),
    };
    let output;
    try {
      output = await client.send(
        new InvokeCommand({
          FunctionName: functionName,
          ...(qualifier === undefined ? {} : { Qualifier: qualifier }),
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(event)),
        }),
      );
    } catch (error) {
      throw (credentialSet === undefined ? undefined : errorFromMissingAlias(error, functionName, credentialSet)) ??
        errorFromCallFailure(error, target, advice);
    }
    const payload = output.Payload ? new TextDecoder().decode(output.Payload) : '';
    if (output.FunctionError) throw errorFromFunctionPayload(payload, functionName, credentialSet);
    let result: unknown;
    try {
      result = JSON.parse(payload);
    } catch {
      throw new UnexpectedError(`Function ${functionName} answered with something that is not JSON: check that it is the WLL token vendor.`);
    }
    const from = credentialSet === undefined ? `Function ${functionName}` : `Alias ${credentialSet} of function ${functionName}`;
    return checkAnsweredSet(
      parseTokenResult(result, from),
      credentialSet,
      from,
      `the alias exists, but the function has no credential set '${credentialSet}': add it to the construct's credentialSets (CREDENTIAL_SETS)`,
    );
  };

  const cache = new TokenCache(invoke, options);
  return {
    credentialSet,
    getToken: () => cache.get(),
    refreshToken: (refresh) => cache.refresh(refresh),
    clear: () => cache.clear(),
  };
}

/**
 * The qualifier to invoke a set's alias with. A `functionName` that already names a qualifier
 * (`name:alias` or an alias ARN, such as the stack output of the set's alias ARN) must name the
 * same one: Lambda would refuse the pair, and which one was meant is not ours to guess.
 */
function qualifierFor(functionName: string, credentialSet: string): string {
  const named = /^(?:arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:|\d{12}:function:)?[A-Za-z0-9_-]+:([A-Za-z0-9$_-]+)$/.exec(functionName)?.[1];
  if (named !== undefined && named !== credentialSet) {
    throw new TypeError(
      `functionName ${functionName} names the qualifier '${named}', but credentialSet is '${credentialSet}': give the unqualified function name (or the set's alias ARN) with credentialSet.`,
    );
  }
  return credentialSet;
}

/** The region of a function ARN (`arn:aws:lambda:eu-west-1:123456789012:function:name`), if it is one. */
export function regionOfArn(functionName: string): string | undefined {
  return /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):\d{12}:function:/.exec(functionName)?.[1];
}
