/**
 * What CloudFormation's handlers call on an SNS topic when it deploys the alarm topic, its email
 * subscriptions and its topic policy, for create, update and delete: the registry schemas'
 * `handlers.<operation>.permissions` of AWS::SNS::Topic, AWS::SNS::Subscription and
 * AWS::SNS::TopicPolicy (aws-cloudformation-resource-providers-sns), quoted in docs/operations.md.
 * Kept to the calls made on the topic itself: a topic policy is about its topic, and the
 * subscription handler's `sns:Unsubscribe` and `sns:GetSubscriptionAttributes` act on the
 * subscription (its `iam:*` calls name no topic at all). None of the three lists a KMS action, so
 * the topic's key is met only by its own handler (AWS::KMS::Key, handler-permissions.ts).
 */
import type { Operation } from './handler-permissions';

/** Every SNS action the three handlers call on the topic, per operation. */
export const SNS_HANDLER_TOPIC_ACTIONS: Record<Operation, readonly string[]> = {
  create: [
    // AWS::SNS::Topic
    'sns:CreateTopic',
    'sns:TagResource',
    'sns:Subscribe',
    'sns:GetTopicAttributes',
    'sns:ListTagsForResource',
    'sns:ListSubscriptionsByTopic',
    // AWS::SNS::Subscription (Subscribe, GetTopicAttributes) and AWS::SNS::TopicPolicy
    'sns:SetTopicAttributes',
  ],
  update: [
    'sns:SetTopicAttributes',
    'sns:TagResource',
    'sns:UntagResource',
    'sns:Subscribe',
    'sns:GetTopicAttributes',
    'sns:ListTagsForResource',
    'sns:ListSubscriptionsByTopic',
  ],
  delete: ['sns:DeleteTopic', 'sns:ListSubscriptionsByTopic', 'sns:GetTopicAttributes', 'sns:SetTopicAttributes'],
};

/** One call a deploy makes on the topic. */
export interface TopicCall {
  readonly operation: Operation;
  readonly action: string;
}

/** Every call on the topic of a deploy that creates, updates and deletes it. */
export function topicCalls(): TopicCall[] {
  return (Object.entries(SNS_HANDLER_TOPIC_ACTIONS) as [Operation, readonly string[]][]).flatMap(([operation, actions]) =>
    actions.map((action) => ({ operation, action })),
  );
}
