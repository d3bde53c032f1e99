import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { checkedCredentialSet, DEFAULT_CREDENTIAL_SET } from './credential-set';
import { errorFromCallFailure, errorFromFunctionPayload, errorFromMissingAlias } from './error-mapping';
import { UnexpectedError } from './errors';
import { TokenCache, type TokenRequest } from './token-cache';
import type { TokenClient } from './token-client';
import { checkAnswered, parseTokenResult, type TokenResult } from './token-result';

export interface LambdaTokenClientOptions {
  /** The vending function's name or ARN (the stack output `TokenFunctionName` or `TokenFunctionArn`). */
  readonly functionName: string;
  /** The audience to ask for. @default the function's configured audience */
  readonly audience?: string;
  /**
   * The credential set to get tokens of (CONTRACT section 8), such as `eu-prod`: the client
   * invokes the function's alias of that name (`Qualifier`), which is what IAM grants per set
   * (the construct's `grantInvoke(grantee, { credentialSet })`). A name is a lowercase letter,
   * then up to 39 lowercase letters, digits or hyphens; `default` names the default set (the
   * unqualified function). An answer for another set, or a token for another audience than
   * `audience`, is refused.
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
  /** A monotonic clock in ms, for the token's remaining life (only differences count). @default performance.now */
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
  const named = checkedCredentialSet(options.credentialSet);
  const inName = qualifierInName(functionName);
  if (named !== undefined && inName !== undefined && inName !== named) {
    throw new TypeError(
      `functionName ${functionName} names the qualifier '${inName}', but credentialSet is '${named}': give the unqualified function name (or the set's alias ARN) with credentialSet.`,
    );
  }
  // The default set is the unqualified function: there is no alias named `default`.
  const qualifier = named === DEFAULT_CREDENTIAL_SET ? undefined : named;
  // What the answer must be of; unknown only for a qualified functionName without credentialSet (a version, or an alias that may not be a set).
  const credentialSet = named ?? (inName === undefined ? DEFAULT_CREDENTIAL_SET : undefined);
  const client = options.client ?? new LambdaClient({ region: options.region ?? regionOfArn(functionName) });
  const target = qualifier === undefined ? `function ${functionName}` : `alias ${qualifier} of function ${functionName}`;
  const advice = qualifier === undefined ? INVOKE_ADVICE : setInvokeAdvice(qualifier);
  const from = qualifier === undefined ? `Function ${functionName}` : `Alias ${qualifier} of function ${functionName}`;
  const setFix =
    qualifier === undefined
      ? "an unqualified invocation is answered with the default set's token: check that functionName is the token vendor's function (the stack output TokenFunctionName), or pass the set's name as credentialSet"
      : `the alias exists, but the function has no credential set '${qualifier}': add it to the construct's credentialSets (CREDENTIAL_SETS)`;

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
      throw (qualifier === undefined ? undefined : errorFromMissingAlias(error, functionName, qualifier)) ??
        errorFromCallFailure(error, target, advice);
    }
    const payload = output.Payload ? new TextDecoder().decode(output.Payload) : '';
    if (output.FunctionError) throw errorFromFunctionPayload(payload, functionName, qualifier);
    let result: unknown;
    try {
      result = JSON.parse(payload);
    } catch {
      throw new UnexpectedError(`Function ${functionName} answered with something that is not JSON: check that it is the WLL token vendor.`);
    }
    return checkAnswered(parseTokenResult(result, from), { credentialSet, audience }, from, setFix);
  };

  const cache = new TokenCache(invoke, options);
  return {
    credentialSet,
    getToken: () => cache.get(),
    refreshToken: (refresh) => cache.refresh(refresh),
    clear: () => cache.clear(),
  };
}

/** The qualifier a `functionName` names (`name:alias`, or an alias or version ARN), if any. */
function qualifierInName(functionName: string): string | undefined {
  return /^(?:arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:|\d{12}:function:)?[A-Za-z0-9_-]+:([A-Za-z0-9$_-]+)$/.exec(functionName)?.[1];
}

/** The region of a function ARN (`arn:aws:lambda:eu-west-1:123456789012:function:name`), if it is one. */
export function regionOfArn(functionName: string): string | undefined {
  return /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):\d{12}:function:/.exec(functionName)?.[1];
}
