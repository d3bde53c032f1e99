/**
 * The REST API's resource policy (CONTRACT sections 5 and 8), built to stay within API Gateway's
 * limit on its length, and the synth-time check of that length. docs/credential-sets.md,
 * "How big the API's resource policy gets", explains the counting.
 */
import type { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { longestRendering, deployTarget } from './deploy-time-values';
import { type AllowedPrincipal, principalKey, TokenVendorSettingsError } from './settings';

/** One method of the API, as the policy and the grants name it. */
export interface ApiRoute {
  readonly method: string;
  readonly path: string;
}

/** What the policy needs to know of the API and its credential sets. */
export interface ApiPolicyInput {
  readonly stageName: string;
  /** The `default` set's routes and its listed principals; undefined in a deployment without a default set. */
  readonly defaultSet?: { readonly routes: readonly ApiRoute[]; readonly principals: readonly AllowedPrincipal[] };
  /** Every named set's routes and its listed principals, in order. */
  readonly sets: ReadonlyArray<{ readonly routes: readonly ApiRoute[]; readonly principals: readonly AllowedPrincipal[] }>;
  /** The routes that name every set at once (`/sets/*` ...), used when one group of principals may call every set. */
  readonly everySetRoutes: readonly ApiRoute[];
  /** Interface VPC endpoint ids of a private API; undefined for a regional one. */
  readonly vpcEndpointIds?: readonly string[];
}

/** API Gateway's default limit ("Length, in characters, of API Gateway resource policy", quota L-8B81B02C). */
export const API_RESOURCE_POLICY_DEFAULT_LIMIT = 8_192;
/** A REST API's id is 10 characters; the policy's `execute-api:/` stands for `arn:<partition>:execute-api:<region>:<account>:<id>/`. */
const API_ID = 'x'.repeat(10);
/** A principal known only at deploy time (a role of another stack) is sized as the longest role ARN: 512-character path, 64-character name. */
const LONGEST_PRINCIPAL_ARN = 'arn:aws-us-gov:iam::123456789012:role/'.length + 512 + 64;
const ACCOUNT_ROOT = Symbol('the deploying account');
type Grantee = AllowedPrincipal | typeof ACCOUNT_ROOT;

/**
 * The statements, smallest first in mind: a set without principals of its own is reached by
 * principals of the deploying account, whose access identity policies decide (grantApiAccess), so
 * one statement for the account covers every such set and grows with nothing. A listed principal
 * gets the routes of exactly its sets; principals with the same routes share one statement (an
 * organization id in a statement of its own, by `aws:PrincipalOrgID`), and routes that cover every
 * set are written once for all sets. A private API also denies every request that did not come
 * through one of its VPC endpoints.
 */
export function resourcePolicyStatements(input: ApiPolicyInput): iam.PolicyStatement[] {
  const routesOf = new Map<string, { grantee: Grantee; routes: ApiRoute[] }>();
  const allow = (grantee: Grantee, routes: readonly ApiRoute[]) => {
    const key = grantee === ACCOUNT_ROOT ? '' : principalKey(grantee);
    const entry = routesOf.get(key) ?? { grantee, routes: [] };
    entry.routes.push(...routes);
    routesOf.set(key, entry);
  };
  const everyRoute = [...(input.defaultSet?.routes ?? []), ...input.sets.flatMap((set) => set.routes)];
  for (const set of [...(input.defaultSet ? [input.defaultSet] : []), ...input.sets]) {
    // The deploying account delegates to identity policies: it may as well be named for every route, once.
    if (set.principals.length === 0) allow(ACCOUNT_ROOT, everyRoute);
    for (const principal of set.principals) allow(principal, set.routes);
  }

  // Principals with the same routes share a statement, in the order they first appear.
  const groups = new Map<string, { grantees: Grantee[]; routes: ApiRoute[] }>();
  for (const { grantee, routes } of routesOf.values()) {
    const unique = [...new Map(routes.map((route) => [routeKey(route), route])).values()];
    const key = unique.map(routeKey).sort().join(' ');
    const group = groups.get(key) ?? { grantees: [], routes: compress(unique, input) };
    group.grantees.push(grantee);
    groups.set(key, group);
  }
  const resources = (routes: readonly ApiRoute[]) => routes.map((route) => `execute-api:/${input.stageName}/${route.method}${route.path}`);
  const statements = [...groups.values()].flatMap(({ grantees, routes }) => allowStatements(grantees, resources(routes)));
  if (input.vpcEndpointIds !== undefined) {
    statements.push(
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        actions: ['execute-api:Invoke'],
        principals: [new iam.AnyPrincipal()],
        resources: ['execute-api:/*'],
        conditions: { StringNotEquals: { 'aws:SourceVpce': [...input.vpcEndpointIds] } },
      }),
    );
  }
  return statements;
}

/** Routes naming every set (two or more) become the routes that name them all at once. */
function compress(routes: ApiRoute[], input: ApiPolicyInput): ApiRoute[] {
  if (input.sets.length < 2) return routes;
  const setRoutes = new Set(input.sets.flatMap((set) => set.routes).map(routeKey));
  const named = new Set(routes.map(routeKey));
  if (![...setRoutes].every((key) => named.has(key))) return routes;
  const others = routes.filter((route) => !setRoutes.has(routeKey(route)));
  return [...others, ...input.everySetRoutes];
}

function routeKey(route: ApiRoute): string {
  return `${route.method} ${route.path}`;
}

function allowStatements(grantees: readonly Grantee[], resources: string[]): iam.PolicyStatement[] {
  const named = grantees.flatMap((grantee) =>
    grantee === ACCOUNT_ROOT ? [new iam.AccountRootPrincipal()] : grantee.kind === 'organization' ? [] : [iamPrincipal(grantee)],
  );
  const organizations = grantees.flatMap((grantee) => (grantee !== ACCOUNT_ROOT && grantee.kind === 'organization' ? [grantee.organizationId] : []));
  const statements: iam.PolicyStatement[] = [];
  if (named.length > 0) statements.push(new iam.PolicyStatement({ actions: ['execute-api:Invoke'], principals: named, resources }));
  if (organizations.length > 0) {
    statements.push(
      new iam.PolicyStatement({
        actions: ['execute-api:Invoke'],
        principals: [new iam.AnyPrincipal()],
        resources,
        conditions: { StringEquals: { 'aws:PrincipalOrgID': organizations } },
      }),
    );
  }
  return statements;
}

/** The IAM principal of an allowed principal: an account, a role or user; an organization by `principalOrgId`. */
export function iamPrincipal(principal: AllowedPrincipal): iam.IPrincipal {
  switch (principal.kind) {
    case 'account':
      return new iam.AccountPrincipal(principal.account);
    case 'arn':
      return new iam.ArnPrincipal(principal.arn);
    case 'organization':
      return new iam.OrganizationPrincipal(principal.organizationId);
  }
}

/**
 * The policy's length as API Gateway keeps it: the JSON document CloudFormation renders (CDK's
 * statement merging included), without whitespace, with every `execute-api:/` expanded to the
 * API's ARN and every deploy-time value (partition, region, account, API id) at its longest.
 */
export function storedPolicyLength(stack: Stack, document: iam.PolicyDocument): number {
  const { partition, region } = deployTarget(stack);
  const apiArn = `arn:${partition}:execute-api:${region}:123456789012:${API_ID}/`;
  const rendered = JSON.stringify(longestRendering(stack, document, LONGEST_PRINCIPAL_ARN));
  return rendered.replaceAll('"execute-api:/', `"${apiArn}`).length;
}

/** Fails at synth, saying what to do, when the policy would not fit API Gateway's limit: CloudFormation would fail the deploy. */
export function checkPolicyLength(stack: Stack, document: iam.PolicyDocument, limit: number): void {
  const length = storedPolicyLength(stack, document);
  if (length <= limit) return;
  const raised = limit === API_RESOURCE_POLICY_DEFAULT_LIMIT ? '' : ' (as raised by apiResourcePolicyMaxLength)';
  throw new TokenVendorSettingsError(
    `the API's resource policy would be ${length} characters as API Gateway stores it, over its limit of ${limit}${raised}. ` +
      "Ask for more in Service Quotas (API Gateway, 'Length, in characters, of API Gateway resource policy', 8,192 by default) " +
      'and set apiResourcePolicyMaxLength to the granted length; or name fewer principals: an account id instead of several of its roles, ' +
      'an organization id (o-...) instead of its accounts, the same principals for several sets (they share one statement), ' +
      'or split the credential sets over two deployments.',
  );
}
