/**
 * The function's own AWS credentials (for DynamoDB and Secrets Manager): its execution role's, in
 * the two ways Lambda hands them over. Lambda sets them in the environment (`AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), or, where an execution environment may outlive
 * them, serves them from a container credentials endpoint (`AWS_CONTAINER_CREDENTIALS_FULL_URI`
 * with `AWS_CONTAINER_AUTHORIZATION_TOKEN`), from which the SDK fetches them again before they
 * expire: SnapStart does so. Which of the two Lambda Managed Instances use, the documentation does
 * not say: both are read, in the order of the SDK's own chain (docs/benchmark.md#cold-start).
 *
 * The SDK's default chain also reads profiles, SSO, web identity tokens, credential processes and
 * instance metadata, none of which a Lambda function has: bundled, it is 130 kB of code that every
 * cold start compiles (docs/benchmark.md#cold-start). The bundle resolves the SDK's
 * `@aws-sdk/credential-provider-node` to this module (infra/function-code.ts), so the deployed
 * function's clients get these; run unbundled (npm start, the in-process tests), the function keeps
 * the SDK's whole chain, as CONTRACT section 1 says of the standard variables.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { doesIdentityRequireRefresh, isIdentityExpired, memoizeIdentityProvider } from '@smithy/core';
import { CredentialsProviderError } from '@smithy/core/config';

type CredentialsProvider = ReturnType<typeof fromEnv>;

const CONTAINER_ENDPOINT_VARIABLES = ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'] as const;

export const NO_CREDENTIALS_MESSAGE =
  'No AWS credentials for the function: neither AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY (set by Lambda from the ' +
  'execution role) nor a container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI or ' +
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) is set. The bundled function reads only these, not profiles, SSO or ' +
  'instance metadata: outside Lambda, set those variables';

/**
 * The execution role's credentials: from the environment when it holds them, else from the
 * container credentials endpoint it names; the SDK client memoizes them and asks again before
 * they expire.
 */
export function executionRoleCredentials(): CredentialsProvider {
  const fromEnvironment = fromEnv();
  let fromEndpoint: CredentialsProvider | undefined;
  return async () => {
    if (process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY) return fromEnvironment();
    if (CONTAINER_ENDPOINT_VARIABLES.some((name) => process.env[name])) {
      fromEndpoint ??= fromHttp();
      return fromEndpoint();
    }
    throw new CredentialsProviderError(NO_CREDENTIALS_MESSAGE, { tryNextLink: false });
  };
}

/**
 * The name the SDK clients import the default chain by (`@aws-sdk/credential-provider-node`),
 * which the bundle resolves here: every client of the deployed function gets these credentials.
 * Memoized, as the SDK's own default chain is: the SDK memoizes credentials a caller passes, but
 * not what its default provider returns, so without this every signed request (8 concurrent first
 * calls: 21) would fetch from the container credentials endpoint again.
 */
export const defaultProvider = (): CredentialsProvider =>
  memoizeIdentityProvider(executionRoleCredentials(), isIdentityExpired, doesIdentityRequireRefresh) as CredentialsProvider;
