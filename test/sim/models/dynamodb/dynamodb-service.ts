/**
 * DynamoDB as the SDK reaches it: the AWS JSON 1.0 protocol's operations on the table model,
 * and the answers of a throttled call and of a server failure.
 */
import type { AwsAnswer, AwsServiceModel } from '../aws-transport';
import type { TableModel, TableOperation } from './table-model';

const OPERATIONS = new Set<string>(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem']);
const PREFIX = 'com.amazonaws.dynamodb.v20120810#';

export class DynamoDbService implements AwsServiceModel {
  readonly service = 'dynamodb' as const;
  readonly contentType = 'application/x-amz-json-1.0';

  constructor(readonly table: TableModel) {}

  execute(operation: string, input: Record<string, unknown>, process: string): AwsAnswer {
    if (!OPERATIONS.has(operation)) {
      return { status: 400, body: { __type: `${PREFIX}ValidationException`, message: `${operation} is not part of the model` } };
    }
    return this.table.execute(operation as TableOperation, input, process);
  }

  throttled(): AwsAnswer {
    return {
      status: 400,
      body: {
        __type: `${PREFIX}ProvisionedThroughputExceededException`,
        message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
      },
    };
  }

  serverError(): AwsAnswer {
    return { status: 500, body: { __type: `${PREFIX}InternalServerError`, message: 'Internal server error' } };
  }
}
