import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { acknowledgeNagFinding } from './nag-acknowledgements';

// Lambda keeps an asynchronous event at most 6 hours.
const MAX_EVENT_AGE_LIMIT = Duration.hours(6);

/**
 * The scheduled refresh (issue 4): EventBridge invokes the function with its standard
 * "Scheduled Event", and the function renews every token in the last quarter of its life,
 * so the first caller after a quiet night still gets a cached token.
 *
 * No retries anywhere, and no dead-letter queue: a missed run is made up by the next one, long
 * before a token in its last quarter (6 hours) expires. EventBridge's own retry policy covers
 * only the delivery to Lambda; Lambda then retries a failed asynchronous invocation twice by
 * default, which would make one failed run three errors (the Errors alarm's threshold) and up to
 * three rounds of issuer requests against an issuer that just failed. So the function's
 * asynchronous invocations are not retried either, and an event Lambda could not start (throttled)
 * is dropped once the next run is due. Runs that keep failing raise the scheduled refresh alarm.
 */
export function createRefreshSchedule(scope: Construct, handler: lambda.IFunction, every: Duration): events.Rule {
  const rule = new events.Rule(scope, 'RefreshSchedule', {
    description: 'Refreshes WLL tokens ahead of their expiry',
    schedule: events.Schedule.rate(every),
  });
  rule.addTarget(new targets.LambdaFunction(handler, { retryAttempts: 0, maxEventAge: Duration.minutes(5) }));
  const maxEventAge = every.toSeconds() < MAX_EVENT_AGE_LIMIT.toSeconds() ? every : MAX_EVENT_AGE_LIMIT;
  handler.configureAsyncInvoke({ retryAttempts: 0, maxEventAge });
  const invokeConfig = handler.node.findChild('EventInvokeConfig');
  acknowledgeNagFinding(
    invokeConfig,
    'Serverless-LambdaAsyncFailureDestination',
    'The only asynchronous events are the scheduled runs, which carry no data: a failure destination would keep nothing ' +
      'of value. A failed run shows as AsyncEventsDropped, and runs that keep failing raise the scheduled refresh alarm.',
  );
  acknowledgeNagFinding(
    rule,
    'Serverless-EventBusDLQ',
    'A scheduled event carries no data: a run that could not be delivered is replaced by the next one, ' +
      'long before a token in its last quarter expires, so a dead-letter queue would keep nothing of value.',
  );
  return rule;
}
