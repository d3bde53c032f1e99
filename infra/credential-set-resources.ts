import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { API_GATEWAY_ALIAS } from '../lambda/entry/set-selection';
import type { CredentialSet } from './credential-sets';
import { createCredentialsSecret, type CredentialsSecret } from './credentials-secret';

/** A credential set with its secret. */
export interface CredentialSetResources extends CredentialSet {
  readonly credentials: CredentialsSecret;
}

/** A credential set with its secret and its alias. */
export interface DeployedCredentialSet extends CredentialSetResources {
  readonly alias: lambda.Alias;
}

/**
 * Each set's secret, in a scope of its own (`CredentialSet-<name>`), imported by `secretName` or
 * created holding a placeholder, as the default set's is. A created one is named
 * `<secretPrefix><set name>`: the function finds it by that name (CREDENTIAL_SETS_SECRET_PREFIX),
 * so the environment carries no ARN per set.
 */
export function createCredentialSetSecrets(scope: Construct, sets: readonly CredentialSet[], secretPrefix: string): CredentialSetResources[] {
  return sets.map((set) => ({
    ...set,
    credentials: createCredentialsSecret(setScope(scope, set), set.secretName, { credentialSet: set.name, secretName: `${secretPrefix}${set.name}` }),
  }));
}

/**
 * One alias per set, named after it, on the function's current published version (CONTRACT
 * section 8): the ARN a caller invokes, and the resource IAM grants and resource policies name.
 */
export function addCredentialSetAliases(scope: Construct, fn: lambda.Function, sets: readonly CredentialSetResources[]): DeployedCredentialSet[] {
  return sets.map((set) => ({ ...set, alias: new lambda.Alias(setScope(scope, set), 'Alias', { aliasName: set.name, version: fn.currentVersion }) }));
}

/**
 * The alias the API invokes when it serves named sets. The function trusts an API event's
 * `/sets/{name}` path only when it arrives through this alias (or the set's own), since a caller
 * allowed to invoke the function could otherwise send an API-shaped event naming any set
 * (lambda/entry/set-selection.ts). Only API Gateway's own permission covers it: no grant names it.
 */
export function addApiGatewayAlias(scope: Construct, fn: lambda.Function): lambda.Alias {
  return new lambda.Alias(scope, 'ApiGatewayAlias', { aliasName: API_GATEWAY_ALIAS, version: fn.currentVersion });
}

function setScope(scope: Construct, set: CredentialSet): Construct {
  const id = `CredentialSet-${set.name}`;
  return scope.node.tryFindChild(id) ?? new Construct(scope, id);
}
