import { Agent, createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request that went through the proxy, and how it ended. */
export interface Exchange {
  /** When the request arrived (epoch ms). */
  readonly arrivedAt: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The target's status; 0 when there was none (the caller or the target gave up first). */
  readonly status: number;
}

/**
 * A loopback HTTP proxy that passes every request to `target` unchanged and reports
 * it once answered: the benchmark learns when the issuer was asked, which tokens were
 * stored and which back-offs written, exactly, without changing the function or the
 * stand-ins. DynamoDB Local does not check the SigV4 signature's host, so requests
 * signed for the proxy's address are accepted.
 */
export class ObservingProxy {
  private constructor(
    private readonly server: Server,
    private readonly agent: Agent,
  ) {}

  static async start(target: string, observe: (exchange: Exchange) => void): Promise<ObservingProxy> {
    const { hostname, port } = new URL(target);
    const agent = new Agent({ keepAlive: true });
    const server = createServer((req, res) => {
      const arrivedAt = Date.now();
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        let reported = false;
        const report = (status: number) => {
          if (reported) return;
          reported = true;
          observe({ arrivedAt, headers: req.headers, body: body.toString('utf8'), status });
        };
        const upstream = request({ hostname, port, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
          const answerChunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => answerChunks.push(chunk));
          answer.on('end', () => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(answerChunks));
            report(answer.statusCode ?? 0);
          });
        });
        upstream.on('error', () => {
          res.destroy();
          report(0);
        });
        // The caller gave up (a timeout, a killed container): so does the proxy.
        res.on('close', () => {
          if (res.writableFinished) return;
          upstream.destroy();
          report(0);
        });
        upstream.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new ObservingProxy(server, agent);
  }

  get endpoint(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
