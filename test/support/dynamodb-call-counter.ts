/**
 * A loopback proxy in front of DynamoDB Local that counts the calls the real function makes, by
 * operation and item kind, and the capacity units DynamoDB charges for each: it asks for them
 * (`ReturnConsumedCapacity: TOTAL`) on the way in and reads them on the way out. The function's
 * own code and SDK client run unchanged; only AWS_ENDPOINT_URL_DYNAMODB points here. DynamoDB
 * Local does not check signatures, so the changed body is accepted.
 */
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call the function made, as DynamoDB answered it. */
export interface CountedCall {
  /** `GetItem`, `PutItem`, `UpdateItem`, ... */
  readonly operation: string;
  /** What the item is: the `pk` prefix before its first `#` (`lease`, `mints`), or `token` for a token item. */
  readonly item: string;
  readonly capacityUnits: number;
}

const COUNTED = new Set(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'BatchGetItem', 'BatchWriteItem', 'TransactWriteItems', 'TransactGetItems']);

export class DynamoDbCallCounter {
  private constructor(
    private readonly server: Server,
    private readonly agent: Agent,
    /** Every call so far, in the order DynamoDB answered them. */
    readonly calls: CountedCall[],
  ) {}

  static async start(target: string): Promise<DynamoDbCallCounter> {
    const { hostname, port } = new URL(target);
    const agent = new Agent({ keepAlive: true });
    const calls: CountedCall[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
        const counted = COUNTED.has(operation);
        let body = Buffer.concat(chunks);
        let item = '';
        if (counted) {
          const input = JSON.parse(body.toString('utf8')) as { Key?: { pk?: { S?: string } }; Item?: { pk?: { S?: string } } };
          const pk = input.Key?.pk?.S ?? input.Item?.pk?.S ?? '';
          item = pk.includes('#') ? pk.slice(0, pk.indexOf('#')) : 'token';
          body = Buffer.from(JSON.stringify({ ...input, ReturnConsumedCapacity: 'TOTAL' }));
        }
        const headers = { ...req.headers, 'content-length': String(body.length) };
        const upstream = request({ hostname, port, method: req.method, path: req.url, headers, agent }, (answer) => {
          const answerChunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => answerChunks.push(chunk));
          answer.on('end', () => {
            const answerBody = Buffer.concat(answerChunks);
            if (counted) {
              const capacity = (JSON.parse(answerBody.toString('utf8') || '{}') as { ConsumedCapacity?: { CapacityUnits?: number } }).ConsumedCapacity;
              calls.push({ operation, item, capacityUnits: capacity?.CapacityUnits ?? Number.NaN });
            }
            res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'content-length': String(answerBody.length) });
            res.end(answerBody);
          });
        });
        upstream.on('error', () => res.destroy());
        upstream.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new DynamoDbCallCounter(server, agent, calls);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The calls counted since `mark` (a length of `calls` taken earlier). */
  since(mark: number): CountedCall[] {
    return this.calls.slice(mark);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
