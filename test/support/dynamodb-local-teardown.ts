import type { DynamoDbLocal } from './dynamodb-local';

export default async function teardown(): Promise<void> {
  await (globalThis as { __dynamoDbLocal?: DynamoDbLocal }).__dynamoDbLocal?.stop();
}
