import { ConditionalCheckFailedException, InternalServerError, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { mayHaveBeenApplied } from '../../../lambda/table/lease-store';

const metadata = { $metadata: {} };

test.each([
  ['our abort signal cut the answer', Object.assign(new Error('Request aborted'), { name: 'AbortError' }), true],
  ['the connection broke after sending', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
  ['DynamoDB answered 5xx', new InternalServerError({ message: 'Internal server error', ...metadata }), true],
  ['DynamoDB throttled it', new ProvisionedThroughputExceededException({ message: 'Throughput exceeded', ...metadata }), false],
  ['its condition failed', new ConditionalCheckFailedException({ message: 'The conditional request failed', ...metadata }), false],
  ['nothing was listening', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), false],
  // Found by the simulation: the first attempt was applied and answered 500 (or reset), the SDK's
  // retries then met throttling; the error is the last attempt's, the lease the first one's.
  ['DynamoDB throttled the SDK\'s third attempt', new ProvisionedThroughputExceededException({ message: 'Throughput exceeded', $metadata: { attempts: 3 } }), true],
  ['the SDK\'s retry found nothing listening', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', $metadata: { attempts: 2 } }), true],
])('%s: may have been applied = %s', (_name, error, expected) => {
  expect(mayHaveBeenApplied(error)).toBe(expected);
});
