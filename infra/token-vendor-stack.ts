import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { type AlarmNotificationProps, alarmTopicFor } from './alarm-topic';
import { credentialSetIdPart } from './credential-sets';
import { TokenVendorSettingsError } from './settings';
import { allAlarms } from './token-alarms';
import { TokenVendor, type TokenVendorProps } from './token-vendor';

/** Props of the standalone stack: the construct's settings, where its alarms notify, and the usual stack props. */
export interface TokenVendorStackProps extends StackProps, TokenVendorProps, AlarmNotificationProps {}

/** The deployable stack: one {@link TokenVendor} and the outputs of CONTRACT section 6. */
export class TokenVendorStack extends Stack {
  readonly tokenVendor: TokenVendor;

  constructor(scope: Construct, id: string, props: TokenVendorStackProps = {}) {
    super(scope, id, { description: 'WLL token vendor: cached White Label Loyalty admin API tokens', ...props });
    const notifications = alarmTopicFor(this, props);
    if (notifications && props.alarmTopic) {
      throw new TokenVendorSettingsError('alarmTopic is given, and alarmTopicArn or alarmEmail too: give one place for the alarms to notify.');
    }
    const vendor = new TokenVendor(this, 'TokenVendor', { ...props, alarmTopic: props.alarmTopic ?? notifications?.topic });
    this.tokenVendor = vendor;
    notifications?.allowAlarms(allAlarms(vendor.alarms));

    // Without a default set, callers invoke a set's alias and call a set's path: its outputs are below.
    const defaultSet = vendor.hasDefaultCredentialSet;
    new CfnOutput(this, 'TokenFunctionName', {
      description: defaultSet
        ? 'Invoke this function directly (lambda:InvokeFunction) for a token'
        : "The token function: invoke a credential set's alias (<name>:<set>) for its tokens",
      value: vendor.function.functionName,
    });
    new CfnOutput(this, 'TokenFunctionArn', { description: 'ARN of the token function', value: vendor.function.functionArn });
    new CfnOutput(this, 'TokenApiUrl', {
      description: defaultSet
        ? 'Base URL of the API: GET <url>token and POST <url>token/refresh, signed with SigV4'
        : 'Base URL of the API: GET <url>sets/<set>/token and POST <url>sets/<set>/token/refresh, signed with SigV4',
      value: vendor.api.url,
    });
    new CfnOutput(this, 'TokenTableName', { description: 'DynamoDB table caching the tokens', value: vendor.table.tableName });
    if (defaultSet) {
      new CfnOutput(this, 'CredentialsSecretArn', {
        description: 'Secret holding {"client_id","client_secret"}: set it with aws secretsmanager put-secret-value',
        value: vendor.secret.secretArn,
      });
    }
    if (notifications) {
      new CfnOutput(this, 'AlarmTopicArn', { description: 'SNS topic every alarm notifies (on ALARM and back to OK)', value: notifications.topic.topicArn });
    }
    // Per credential set, ids derived from its name (eu-prod -> CredentialSetEuProd...), so they stay put
    // when sets are added or removed.
    for (const set of vendor.credentialSets) {
      const id = `CredentialSet${credentialSetIdPart(set.name)}`;
      new CfnOutput(this, `${id}AliasArn`, {
        description: `Credential set ${set.name}: invoke this alias (lambda:InvokeFunction) for its tokens`,
        value: set.alias.functionArn,
      });
      new CfnOutput(this, `${id}TokenUrl`, {
        description: `Credential set ${set.name}: GET this URL, and POST <url>/refresh, signed with SigV4`,
        value: set.tokenUrl,
      });
      new CfnOutput(this, `${id}SecretArn`, {
        description: `Credential set ${set.name}: the secret holding its {"client_id","client_secret"}`,
        value: set.secret.secretArn,
      });
    }
  }
}
