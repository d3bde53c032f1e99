/**
 * Where the standalone stack's alarms notify someone (context keys `alarmTopicArn` and `alarmEmail`):
 * an existing SNS topic, or a topic the stack creates with email subscriptions, encrypted with a key
 * of its own, that only this stack's CloudWatch alarms may publish to. docs/operations.md quotes the
 * AWS documentation behind each policy statement.
 */
import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { acknowledgeNagFinding } from './nag-acknowledgements';
import { TokenVendorSettingsError } from './settings';
import { KEY_ADMINISTRATION_ACTIONS } from './token-key';

/** The standalone stack's settings for alarm notifications; give at most one of them. */
export interface AlarmNotificationProps {
  /**
   * ARN of an existing SNS topic, in the stack's account and region, that every alarm notifies. Its
   * policy (and, if it is encrypted, its key's policy) must let CloudWatch publish: docs/operations.md.
   * @default - none
   */
  readonly alarmTopicArn?: string;
  /**
   * Email addresses to notify: the stack creates an encrypted topic, subscribes them (each confirms
   * once, from the email SNS sends), and points every alarm at it.
   * @default - none
   */
  readonly alarmEmails?: string[];
}

/** The topic the alarms notify, and how to let exactly those alarms publish to it. */
export interface AlarmTopic {
  readonly topic: sns.ITopic;
  /** The topic the stack created (undefined for an existing one, whose policy is its owner's). */
  readonly created?: sns.Topic;
  /** Lets `alarms`, and nothing else, publish to a created topic; an existing topic is left alone. */
  allowAlarms(alarms: readonly cloudwatch.IAlarm[]): void;
}

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
// What SNS accepts is looser; this catches the typos that would leave a subscription nobody confirms.
const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;
const MAX_EMAILS = 10;

/**
 * The topic of `props`: imported by ARN, created for `alarmEmails`, or undefined when neither is
 * given. Checks the values at synth, naming the context key an operator typed.
 */
export function alarmTopicFor(scope: Construct, props: AlarmNotificationProps): AlarmTopic | undefined {
  const emails = [...new Set((props.alarmEmails ?? []).map((email) => email.trim()).filter((email) => email !== ''))];
  const topicArn = props.alarmTopicArn?.trim();
  if (topicArn !== undefined && topicArn !== '' && emails.length > 0) {
    throw new TokenVendorSettingsError(
      'alarmTopicArn and alarmEmail are both set: give alarmTopicArn to notify a topic you own (subscribe the addresses to it yourself), ' +
        'or alarmEmail alone for a topic the stack creates.',
    );
  }
  if (topicArn !== undefined && topicArn !== '') return existingTopic(scope, topicArn);
  if (emails.length === 0) return undefined;
  checkEmailCount(emails);
  return createdTopic(scope, emails.map(checkEmail));
}

function existingTopic(scope: Construct, arn: string): AlarmTopic {
  if (!Token.isUnresolved(arn) && !TOPIC_ARN.test(arn)) {
    throw new TokenVendorSettingsError(
      `alarmTopicArn '${arn.slice(0, 100)}' is not an SNS topic ARN: use one such as arn:aws:sns:eu-west-1:111122223333:ops-alarms.`,
    );
  }
  return { topic: sns.Topic.fromTopicArn(scope, 'AlarmTopic', arn), allowAlarms: () => undefined };
}

function checkEmail(email: string): string {
  if (Token.isUnresolved(email) || !EMAIL.test(email)) {
    throw new TokenVendorSettingsError(`alarmEmail has '${email.slice(0, 80)}', which is not an email address: give one or more, comma-separated (ops@example.com,oncall@example.com).`);
  }
  return email;
}

function checkEmailCount(emails: readonly string[]): void {
  if (emails.length > MAX_EMAILS) {
    throw new TokenVendorSettingsError(
      `alarmEmail has ${emails.length} addresses: give at most ${MAX_EMAILS}, or a mailing list, or an existing topic with alarmTopicArn.`,
    );
  }
}

/**
 * The created topic. Its key lets CloudWatch encrypt and decrypt notifications (the statement the SNS
 * guide documents for AWS services publishing to an encrypted topic; AWS managed `aws/sns` cannot be
 * given it), and lets the account manage the key, never use it: so nothing else can publish to the topic.
 */
function createdTopic(scope: Construct, emails: readonly string[]): AlarmTopic {
  const stack = Stack.of(scope);
  const key = new kms.Key(scope, 'AlarmTopicKey', {
    description: 'Encrypts the WLL token vendor alarm notifications',
    enableKeyRotation: true,
    // Nothing is kept under the key but notifications in flight: it goes with the stack.
    removalPolicy: RemovalPolicy.DESTROY,
    pendingWindow: Duration.days(7),
    policy: new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({ sid: 'KeyAdministration', principals: [new iam.AccountRootPrincipal()], actions: KEY_ADMINISTRATION_ACTIONS, resources: ['*'] }),
        // No conditions: AWS documents this statement without any, and a condition CloudWatch's
        // request does not carry (kms:CallerAccount is one, reported on re:Post) drops every
        // notification without a deploy error. The topic policy below carries the documented ones.
        new iam.PolicyStatement({
          sid: 'CloudWatchEncryptsAlarmNotifications',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
        }),
      ],
    }),
  });
  const topic = new sns.Topic(scope, 'AlarmTopic', {
    displayName: 'WLL token vendor alarms',
    masterKey: key,
    // Denies every request without TLS (aws:SecureTransport false); SNS requires HTTPS on encrypted topics anyway.
    enforceSSL: true,
  });
  for (const email of emails) {
    const subscription = topic.addSubscription(new EmailSubscription(email));
    acknowledgeNagFinding(
      subscription,
      'Serverless-SNSRedrivePolicy',
      'An email subscription: SNS retries email delivery itself, and a dead-letter queue would hold alarm notifications nobody reads. ' +
        "Every state change also stays in the alarm's history in CloudWatch.",
    );
  }
  return {
    topic,
    created: topic,
    allowAlarms(alarms) {
      if (alarms.length === 0) return;
      // CloudWatch's guide, "Preventing confused deputy security issues": aws:SourceArn is the alarm's
      // ARN, aws:SourceAccount the account; exact ARNs, so only this stack's alarms may publish.
      topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'ThisStacksAlarmsPublish',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: {
            ArnEquals: { 'aws:SourceArn': alarms.map((alarm) => alarm.alarmArn) },
            StringEquals: { 'aws:SourceAccount': stack.account },
          },
        }),
      );
    },
  };
}
