/**
 * Names the function publishes in CloudWatch (embedded metric format) and the CDK
 * alarms read back. One place, so the two cannot drift apart.
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
} as const;

/** Kinds of issuer failure; each is also counted as `IssuerFailure<Kind>`, e.g. `IssuerFailureTimeout`. */
export const ISSUER_FAILURE_KINDS = [
  'Network',
  'Timeout',
  'ServerError',
  'RateLimited',
  'Rejected',
  'BadRequest',
  'InvalidResponse',
] as const;
export type IssuerFailureKind = (typeof ISSUER_FAILURE_KINDS)[number];
