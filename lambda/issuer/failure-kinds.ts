/**
 * How an issuer request can fail, as the issuer client tells its observer. Telemetry counts each
 * kind as `IssuerFailure<Kind>` (for example `IssuerFailureTimeout`), and the dashboard draws one
 * line per kind, so the list lives with the client that decides the kind.
 */
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
