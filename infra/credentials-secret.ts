import { Arn, ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { PLACEHOLDER_SECRET_TEMPLATE } from '../lambda/credentials/secret-format';
import { acknowledgeNagFinding } from './nag-acknowledgements';
import { parseSecretReference } from './settings';

/** The credentials secret and how the function refers to it. */
export interface CredentialsSecret {
  readonly secret: secretsmanager.ISecret;
  /** What the function reads the secret by (CREDENTIALS_SECRET_ID, a set's secretId): a complete ARN, or a name. */
  readonly secretId: string;
  /** The Resource of the function's GetSecretValue statement. */
  readonly policyResource: string;
}

/** A credential set's secret, when the construct creates it: the set's name, and the name to give the secret. */
export interface CreatedSetSecret {
  readonly credentialSet: string;
  readonly secretName: string;
}

/**
 * Imports the secret named by `secretName` (name or complete ARN), or creates one holding
 * a placeholder. A created secret is retained on stack deletion: it holds credentials an
 * operator typed in, which a redeploy must not lose. The default set's created secret is named
 * by CloudFormation (`<logical id>-<random>`); a credential set's is named as `forSet` says, so
 * the function can find it by name without carrying its ARN (token-function.ts).
 */
export function createCredentialsSecret(scope: Construct, secretName: string | undefined, forSet?: CreatedSetSecret): CredentialsSecret {
  const id = 'CredentialsSecret';
  if (secretName === undefined || secretName.trim() === '') {
    const whose = forSet === undefined ? '' : ` (credential set ${forSet.credentialSet})`;
    const secret = new secretsmanager.Secret(scope, id, {
      ...(forSet !== undefined && { secretName: forSet.secretName }),
      description: `WLL client credentials for the token vendor${whose}: {"client_id": "...", "client_secret": "..."}`,
      // Generated, so no credential-looking plaintext sits in the template; the empty client_id
      // and the placeholder key make the function answer "credentials not set yet".
      generateSecretString: {
        secretStringTemplate: JSON.stringify(PLACEHOLDER_SECRET_TEMPLATE),
        generateStringKey: 'client_secret',
        excludePunctuation: true,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledgeNagFinding(
      secret,
      'AwsSolutions-SMG4',
      'WLL issues the client credentials; Secrets Manager cannot rotate them. An operator replaces them with put-secret-value ' +
        'and the function picks the new value up within 5 minutes, or at once when WLL rejects the old one.',
    );
    return { secret, secretId: forSet?.secretName ?? secret.secretArn, policyResource: secret.secretArn };
  }

  const reference = parseSecretReference(secretName.trim());
  if (reference.kind === 'arn') {
    const secret = secretsmanager.Secret.fromSecretCompleteArn(scope, id, reference.arn);
    return { secret, secretId: reference.arn, policyResource: reference.arn };
  }
  const secret = secretsmanager.Secret.fromSecretNameV2(scope, id, reference.name);
  // A secret's ARN ends in '-' and 6 random characters that a name does not reveal; AWS documents
  // '-??????' as the way to match exactly that suffix (IAM user guide, Secrets Manager ARN format).
  const policyResource = Arn.format(
    { service: 'secretsmanager', resource: 'secret', resourceName: `${reference.name}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME },
    Stack.of(scope),
  );
  return { secret, secretId: reference.name, policyResource };
}
