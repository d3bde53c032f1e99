import { startDynamoDbLocal } from './dynamodb-local';

/** Jest global setup of the integration tier: one DynamoDB Local for all files. */
export default async function setup(): Promise<void> {
  const local = await startDynamoDbLocal();
  (globalThis as { __dynamoDbLocal?: typeof local }).__dynamoDbLocal = local;
  // Workers start after this and inherit the variable.
  process.env.TEST_DYNAMODB_ENDPOINT = local.endpoint;
}
