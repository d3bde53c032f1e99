/**
 * The EventBridge schedule of the scheduled refresh, and with credential sets the alias of its
 * own that it invokes.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { SCHEDULE_ALIAS } from '../lambda/entry/set-selection';
import { acknowledgeNagFinding } from './nag-acknowledgements';

// Lambda keeps an asynchronous event at most 6 hours.
const MAX_EVENT_AGE_LIMIT = Duration.hours(6);

/** The schedule, and the alias it invokes when the function serves credential sets. */
export interface RefreshSchedule {
  readonly rule: events.Rule;
  /** `scheduled_refresh`: with credential sets only; without them the rule invokes the function. */
  readonly alias?: lambda.Alias;
}

/**
 * The scheduled refresh (issue 4): EventBridge invokes the function with its standard
 * "Scheduled Event", and the function renews every token in the last quarter of its life,
 * so the first caller after a quiet night still gets a cached token.
 *
 * With credential sets (`ownAlias`), the rule invokes an alias of its own, `scheduled_refresh`,
 * the only qualifier through which the function refreshes every set (CONTRACT section 8): a
 * caller allowed one set's alias could otherwise send the scheduled event and reach every set's
 * secret and quota. Only the rule's own permission (events.amazonaws.com, with the rule's ARN as
 * the source) names the alias; no grant does. Without sets there is one set, which its invokers
 * may refresh anyway, so the template stays as it was: the rule invokes the unqualified function.
 *
 * No retries anywhere, and no dead-letter queue: a missed run is made up by the next one, long
 * before a token in its last quarter (6 hours) expires. EventBridge's own retry policy covers
 * only the delivery to Lambda; Lambda then retries a failed asynchronous invocation twice by
 * default, which would make one failed run three errors (the Errors alarm's threshold) and up to
 * three rounds of issuer requests against an issuer that just failed. So the function's
 * asynchronous invocations are not retried either (the unqualified function's, and the alias's,
 * which has settings of its own), and an event Lambda could not start (throttled) is dropped
 * once the next run is due. Runs that keep failing raise the scheduled refresh alarm, which
 * counts the function's dropped events over all its aliases.
 */
export function createRefreshSchedule(scope: Construct, fn: lambda.Function, every: Duration, options: { readonly ownAlias: boolean }): RefreshSchedule {
  const rule = new events.Rule(scope, 'RefreshSchedule', {
    description: 'Refreshes WLL tokens ahead of their expiry',
    schedule: events.Schedule.rate(every),
  });
  const alias = options.ownAlias ? new lambda.Alias(scope, 'ScheduleAlias', { aliasName: SCHEDULE_ALIAS, version: fn.currentVersion }) : undefined;
  rule.addTarget(new targets.LambdaFunction(alias ?? fn, { retryAttempts: 0, maxEventAge: Duration.minutes(5) }));
  const maxEventAge = every.toSeconds() < MAX_EVENT_AGE_LIMIT.toSeconds() ? every : MAX_EVENT_AGE_LIMIT;
  for (const target of alias ? [fn, alias] : [fn]) {
    target.configureAsyncInvoke({ retryAttempts: 0, maxEventAge });
    acknowledgeNagFinding(
      target.node.findChild('EventInvokeConfig'),
      'Serverless-LambdaAsyncFailureDestination',
      'The only asynchronous events are the scheduled runs, which carry no data: a failure destination would keep nothing ' +
        'of value. A failed run shows as AsyncEventsDropped, and runs that keep failing raise the scheduled refresh alarm.',
    );
  }
  acknowledgeNagFinding(
    rule,
    'Serverless-EventBusDLQ',
    'A scheduled event carries no data: a run that could not be delivered is replaced by the next one, ' +
      'long before a token in its last quarter expires, so a dead-letter queue would keep nothing of value.',
  );
  return { rule, ...(alias && { alias }) };
}
