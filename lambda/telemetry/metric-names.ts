/**
 * Names the function publishes in CloudWatch (embedded metric format) and the CDK
 * alarms and dashboard read back. One place, so the two cannot drift apart.
 *
 * Every metric carries the dimension `service` (the function's POWERTOOLS_SERVICE_NAME);
 * `IssuerQuotaRemaining` also carries `bucket`.
 */
export const METRICS_NAMESPACE = 'WllTokenVendor';
export const DEFAULT_SERVICE_NAME = 'wll-token-vendor';

export const MetricName = {
  /** Answers by source: where each successful answer came from. */
  servedFromMemory: 'ServedFromMemory',
  servedFromCache: 'ServedFromCache',
  servedFromIssuer: 'ServedFromIssuer',
  /** Every HTTP request sent to the WLL token endpoint (each one may cost money). */
  issuerRequests: 'IssuerRequests',
  /** Milliseconds per issuer request, successful or not. */
  issuerLatency: 'IssuerLatency',
  /** Every failed issuer request, whatever the kind; the alarm watches this one. */
  issuerFailures: 'IssuerFailures',
  /** The DynamoDB cache could not be read or written; the function vended without it. */
  cacheUnavailable: 'CacheUnavailable',
  /** A token item that could not be used (does not open, damaged, absurd expiry): a miss, replaced. */
  cacheItemUnusable: 'CacheItemUnusable',
  /** Tokens the issuer minted for this service (one per successful issuer answer). */
  tokensMinted: 'TokensMinted',
  /** Gauge (use Maximum): tokens minted so far this UTC day for the credentials in use, from the table. */
  tokensMintedToday: 'TokensMintedToday',
  /** Gauge (use Maximum): tokens minted so far this UTC month for the credentials in use, from the table. */
  tokensMintedThisMonth: 'TokensMintedThisMonth',
  /** A mint caused by `forceRefresh` (a caller's token was refused, or a plain forced refresh). */
  forcedRefreshes: 'ForcedRefreshes',
  /** A refresh ahead of expiry that produced no token; callers kept the current one. */
  earlyRefreshFailures: 'EarlyRefreshFailures',
  /** Secrets Manager could not be read; the last credentials read were used, or the call failed. */
  secretUnavailable: 'SecretUnavailable',
  /** Gauge (use Minimum): the issuer's `X-RateLimit-Remaining` on its latest answer. */
  issuerRateLimitRemaining: 'IssuerRateLimitRemaining',
  /** Gauge (use Minimum), dimension `bucket` (per_hour, per_day, ...): `r` of `Auth0-Client-Quota-Limit`. */
  issuerQuotaRemaining: 'IssuerQuotaRemaining',
  /** Gauge (use Minimum): the lowest remaining share, in percent, over the quota buckets the issuer reported. */
  issuerQuotaLowestRemainingPercent: 'IssuerQuotaLowestRemainingPercent',
} as const;

/** The extra dimension of `IssuerQuotaRemaining`. */
export const QUOTA_BUCKET_DIMENSION = 'bucket';
/** The dimension naming the credential set on per-set metrics (CONTRACT section 8). */
export const CREDENTIAL_SET_DIMENSION = 'credentialSet';

/** The issuer's failure kinds are the issuer's own; infra/ reads them from here with the rest. */
export { ISSUER_FAILURE_KINDS, type IssuerFailureKind } from '../issuer/failure-kinds';
