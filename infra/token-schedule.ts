import { Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';

/**
 * The scheduled refresh (issue 4): EventBridge invokes the function with its standard
 * "Scheduled Event", and the function renews every token in the last quarter of its life,
 * so the first caller after a quiet night still gets a cached token.
 *
 * No retries and no dead-letter queue: a missed run is made up by the next one, long before
 * a token in its last quarter (6 hours) expires, and a failing run shows in the errors alarm.
 */
export function createRefreshSchedule(scope: Construct, handler: lambda.IFunction, every: Duration): events.Rule {
  const rule = new events.Rule(scope, 'RefreshSchedule', {
    description: 'Refreshes WLL tokens ahead of their expiry',
    schedule: events.Schedule.rate(every),
  });
  rule.addTarget(new targets.LambdaFunction(handler, { retryAttempts: 0, maxEventAge: Duration.minutes(5) }));
  Validations.of(rule).acknowledge({
    id: 'Serverless-EventBusDLQ',
    reason:
      'A scheduled event carries no data: a run that could not be delivered is replaced by the next one, ' +
      'long before a token in its last quarter expires, so a dead-letter queue would keep nothing of value.',
  });
  return rule;
}
