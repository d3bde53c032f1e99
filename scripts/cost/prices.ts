/**
 * The public list prices the cost model uses: one region (US East, N. Virginia), no free tier,
 * no Savings Plans, each with the page it comes from and when it was read. Prices change: check
 * the pages, or the AWS Pricing Calculator, before a budget decision (docs/costs.md says how).
 */

/**
 * One price: dollars per `per` of `unit`, the AWS pricing page it belongs to, and where the figure
 * was seen: AWS renders most pricing tables with script, so the stored copies of its pages did not
 * always show the number, and `seenIn` names the page (AWS's own where possible) that quotes it.
 */
export interface Price {
  readonly dollars: number;
  readonly per: number;
  readonly unit: string;
  readonly source: string;
  readonly seenIn: string;
}

export const PRICE_REGION = 'us-east-1';
/** When the prices below were read (from stored copies of the pages; nothing here can reach AWS live). */
export const PRICES_READ_ON = '2026-12-07';

const LAMBDA = 'https://aws.amazon.com/lambda/pricing/';
const API_GATEWAY = 'https://aws.amazon.com/api-gateway/pricing/';
const DYNAMODB = 'https://aws.amazon.com/dynamodb/pricing/on-demand/';
const SECRETS_MANAGER = 'https://aws.amazon.com/secrets-manager/pricing/';
const KMS = 'https://aws.amazon.com/kms/pricing/';
const CLOUDWATCH = 'https://aws.amazon.com/cloudwatch/pricing/';
const XRAY = 'https://aws.amazon.com/xray/pricing/';
const EVENTBRIDGE = 'https://aws.amazon.com/eventbridge/pricing/';

export const PRICES = {
  lambdaRequests: { dollars: 0.2, per: 1e6, unit: 'requests', source: LAMBDA, seenIn: 'cloudchipr.com/blog/aws-lambda-pricing (US East)' },
  // Arm (the function runs on arm64), first tier: the first 7.5 billion GB-seconds a month.
  lambdaArmDuration: { dollars: 0.0000133334, per: 1, unit: 'GB-second', source: LAMBDA, seenIn: 'cloudchipr.com/blog/aws-lambda-pricing (US East, Arm, first tier)' },
  // REST APIs, first 333 million requests a month.
  apiGatewayRestRequests: {
    dollars: 3.5,
    per: 1e6,
    unit: 'requests',
    source: API_GATEWAY,
    seenIn: 'AWS whitepaper "Best Practices for Designing Amazon API Gateway Private APIs and Private Integration", table 4',
  },
  // On-demand, Standard table class (after the price cut of 1 November 2024).
  dynamodbReadUnits: { dollars: 0.125, per: 1e6, unit: 'read request units', source: DYNAMODB, seenIn: 'airbyte.com/data-engineering-resources/dynamodb-pricing (US East)' },
  dynamodbWriteUnits: { dollars: 0.625, per: 1e6, unit: 'write request units', source: DYNAMODB, seenIn: 'airbyte.com/data-engineering-resources/dynamodb-pricing (US East)' },
  secretsManagerSecret: { dollars: 0.4, per: 1, unit: 'secret-month', source: SECRETS_MANAGER, seenIn: 'hivebook.wiki (AWS Secrets Manager overview)' },
  secretsManagerCalls: { dollars: 0.05, per: 1e4, unit: 'API calls', source: SECRETS_MANAGER, seenIn: 'hivebook.wiki (AWS Secrets Manager overview)' },
  // Each yearly rotation of the key material adds $1/month (the page): this is a key's first year.
  kmsKey: { dollars: 1, per: 1, unit: 'key-month', source: KMS, seenIn: 'aws.amazon.com/kms/pricing (stored copy)' },
  kmsRequests: { dollars: 0.03, per: 1e4, unit: 'requests', source: KMS, seenIn: 'wring.co/blog/aws-kms-pricing-guide' },
  // Standard log class; Lambda's logs are "vended logs" whose first tier (10 TB) is the same price.
  logsIngestion: { dollars: 0.5, per: 1, unit: 'GB ingested', source: CLOUDWATCH, seenIn: 'duckbillgroup.com (the Lambda log tiers of May 2025, us-east-1)' },
  logsStorage: { dollars: 0.03, per: 1, unit: 'GB-month stored', source: CLOUDWATCH, seenIn: 'hykell.com/kb (CloudWatch Logs pricing, us-east-1)' },
  // Prorated by the hour a metric is published; the first 10,000 metrics.
  customMetric: { dollars: 0.3, per: 1, unit: 'metric-month', source: CLOUDWATCH, seenIn: 'signoz.io/guides/cloudwatch-pricing' },
  standardAlarm: { dollars: 0.1, per: 1, unit: 'alarm-month', source: CLOUDWATCH, seenIn: 'c3x.dev (aws_cloudwatch_metric_alarm)' },
  // Beyond the 3 dashboards of up to 50 metrics an account gets free.
  dashboard: { dollars: 3, per: 1, unit: 'dashboard-month', source: CLOUDWATCH, seenIn: 'factualminds.com (CloudWatch pricing); the free tier on the AWS page' },
  xrayTraces: { dollars: 5, per: 1e6, unit: 'traces recorded', source: XRAY, seenIn: 'aws.amazon.com/de/xray/pricing (stored copy)' },
  // Scheduled rules on the default bus deliver AWS events, for which EventBridge charges nothing.
  eventBridgeScheduledEvents: { dollars: 0, per: 1, unit: 'scheduled events', source: EVENTBRIDGE, seenIn: 'wring.co/blog/aws-eventbridge-pricing-guide (AWS service events: free)' },
} as const satisfies Record<string, Price>;

export type PriceName = keyof typeof PRICES;

/** What `quantity` of the priced unit costs. */
export function cost(name: PriceName, quantity: number): number {
  const price: Price = PRICES[name];
  return (quantity / price.per) * price.dollars;
}
