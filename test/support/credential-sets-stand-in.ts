import { createHash, randomBytes } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { ApiHandler } from '../../scripts/local/api-server';
import type { Handler } from './lambda-runtime';
import { registerSensitive } from './sensitive-values';

/**
 * The token function with credential sets as a client sees it (CONTRACT section 8), reduced to
 * the selection rules and compare-and-refresh, for the clients' tests while the real handler's
 * sets are built elsewhere: direct invocations pick the set by the alias in
 * `invokedFunctionArn` (an alias that is not a set, or none, picks `default`; without a default
 * set that is a BadRequestError naming the aliases); HTTP requests by path (`/sets/{name}/token`,
 * `/token` for `default`; unknown set or no default: 404 `not_found`). Each set has its own
 * tokens. `reportsSet: false` answers as a deployment older than sets (no `credentialSet`).
 */
export interface CredentialSetsOptions {
  /** The sets, besides `default`. */
  readonly sets: readonly string[];
  /** Whether the deployment has a `default` set. @default true */
  readonly withDefault?: boolean;
  /** Whether answers carry `credentialSet`. @default true */
  readonly reportsSet?: boolean;
}

/** One request the stand-in served: the set it chose and what was asked. */
export interface SetRequest {
  readonly via: 'invoke' | 'http';
  readonly credentialSet: string;
  readonly forceRefresh: boolean;
  readonly audience?: string;
}

/** What the function throws for a refused invocation; the runtime reports its name as errorType. */
class BadRequestError extends Error {
  override readonly name = 'BadRequestError';
}

export class CredentialSetsStandIn {
  /** Tokens minted per set, in order: the last one is the set's current token. */
  readonly minted = new Map<string, string[]>();
  readonly requests: SetRequest[] = [];

  constructor(private readonly options: CredentialSetsOptions) {}

  /** The set's current token (minting its first one when it has none yet). */
  current(set: string): string {
    const tokens = this.minted.get(set) ?? [];
    return tokens[tokens.length - 1] ?? this.mint(set);
  }

  /** A new current token for the set, as another caller's refresh would cause. */
  mint(set: string): string {
    const token = `wll-admin-${set}-${randomBytes(18).toString('base64url')}`;
    registerSensitive(token);
    this.minted.set(set, [...(this.minted.get(set) ?? []), token]);
    return token;
  }

  /** The direct-invocation handler, for LambdaInvokeStandIn (declare the sets as aliases there). */
  readonly invoke: Handler = (event: unknown, context: Context) => {
    const alias = /:function:[^:]+:([^:]+)$/.exec(context.invokedFunctionArn)?.[1];
    const set = alias !== undefined && this.options.sets.includes(alias) ? alias : this.defaultSet();
    if (set === undefined) {
      return Promise.reject(
        new BadRequestError(`This deployment has no default credential set: invoke the alias of a set (${this.options.sets.join(', ')}).`),
      );
    }
    const { audience, forceRefresh, replacesTokenSha256 } = (event ?? {}) as Record<string, unknown>;
    return Promise.resolve(this.vend('invoke', set, audience as string | undefined, forceRefresh === true, replacesTokenSha256 as string | undefined));
  };

  /** The API handler, for SignedApiStandIn. */
  readonly api: ApiHandler = (event: APIGatewayProxyEvent) => {
    const match = /^\/(?:sets\/([^/]+)\/)?token(\/refresh)?$/.exec(event.path);
    const named = match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
    const set = named === undefined ? this.defaultSet() : this.options.sets.includes(named) ? named : undefined;
    if (!match || set === undefined) {
      const what = match ? (named === undefined ? 'This deployment has no default credential set.' : `No credential set '${named}'.`) : 'No such path.';
      return Promise.resolve(answer(404, { error: 'not_found', message: what }));
    }
    const query = event.queryStringParameters ?? {};
    const forceRefresh = match[2] !== undefined;
    return Promise.resolve(answer(200, this.vend('http', set, query.audience, forceRefresh, query.replacesTokenSha256)));
  };

  private defaultSet(): string | undefined {
    return this.options.withDefault === false ? undefined : 'default';
  }

  private vend(via: SetRequest['via'], set: string, audience: string | undefined, forceRefresh: boolean, replaces: string | undefined) {
    this.requests.push({ via, credentialSet: set, forceRefresh, ...(audience === undefined ? {} : { audience }) });
    let token = this.current(set);
    if (forceRefresh && (replaces === undefined || replaces === createHash('sha256').update(token, 'utf8').digest('hex'))) token = this.mint(set);
    return {
      accessToken: token,
      tokenType: 'Bearer',
      expiresAt: new Date(Date.now() + 86_000_000).toISOString(),
      expiresIn: 86_000,
      audience: audience ?? 'wlloyalty.net',
      source: 'issuer',
      ...(this.options.reportsSet === false ? {} : { credentialSet: set }),
    };
  }
}

function answer(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }, body: JSON.stringify(body) };
}
