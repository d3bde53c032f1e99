/**
 * The transport under a real AWS SDK client (`requestHandler`): the client's own middleware
 * (serialization, signing, the retry strategy with `maxAttempts`, deserialization) runs as in
 * the function, and only the HTTP exchange is simulated. Each attempt the SDK makes crosses
 * the simulated network to a service model and meets whatever the fault book says; every
 * attempt is recorded for the invariants and the trace.
 */
import { HttpResponse } from '@smithy/core/transport';
import type { HttpHandlerOptions, HttpRequest } from '@smithy/types';
import { currentInvocation, type SimProcess } from '../environment/virtual-time';
import { exchange, networkError } from './network';
import type { WireFault, WireFaultBook } from './wire-faults';

export type AwsServiceName = 'dynamodb' | 'secretsmanager';

/** A service as its JSON protocol sees it: an operation and its input in, a status and a body out. */
export interface AwsServiceModel {
  readonly service: AwsServiceName;
  readonly contentType: string;
  /** Acts on one request (it arrived); `process` names the caller. */
  execute(operation: string, input: Record<string, unknown>, process: string): AwsAnswer;
  /** The answers for a refused (throttled) call and a server failure, neither applied. */
  throttled(): AwsAnswer;
  serverError(): AwsAnswer;
}

export interface AwsAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** One attempt of one SDK call, as the world saw it. */
export interface AwsAttempt {
  seq: number;
  readonly service: AwsServiceName;
  readonly operation: string;
  readonly input: Record<string, unknown>;
  readonly pk?: string;
  readonly process: string;
  /** The invocation whose code sent it (the one that started the flight). */
  readonly invocation?: number;
  /** 1 for the SDK's first attempt, 2 and 3 for its retries. */
  readonly attempt: number;
  /** The SDK's id for the whole call, the same on every attempt of it. */
  readonly invocationId: string;
  readonly sentAt: number;
  readonly fault?: WireFault;
  arrivedAt?: number;
  /** The service acted on it (a write was applied, or its condition evaluated). */
  applied?: boolean;
  /** What the service answered (for an applied write, its outcome even if the caller never got it). */
  answer?: AwsAnswer;
  /** What reached the caller (with ending 'answer'). */
  delivered?: AwsAnswer;
  endedAt?: number;
  ending?: 'answer' | 'break' | 'abort' | 'refused' | 'killed';
}

export interface AwsWorld {
  readonly faults: WireFaultBook;
  now(): number;
  /** Milliseconds to the service and back for one attempt. */
  latency(service: AwsServiceName, process: string): { upMs: number; downMs: number };
  /** How late a `slow` answer is. */
  slowMs(): number;
  /** Every attempt, as it happens (the record is updated in place as it goes on). */
  attempted(attempt: AwsAttempt): void;
  /** The service is about to act on this attempt (what it changes belongs to it). */
  arriving(attempt: AwsAttempt): void;
  ended(attempt: AwsAttempt): void;
}

const decoder = new TextDecoder();

/** A `requestHandler` for one container's SDK client. */
export class SimAwsRequestHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };

  constructor(
    private readonly model: AwsServiceModel,
    private readonly process: SimProcess,
    private readonly world: AwsWorld,
  ) {}

  handle(request: HttpRequest, options: HttpHandlerOptions = {}): Promise<{ response: HttpResponse }> {
    const operation = String(request.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
    const body = request.body as string | Uint8Array | undefined;
    const input = JSON.parse(typeof body === 'string' ? body : decoder.decode(body ?? new Uint8Array())) as Record<string, unknown>;
    const pk = pkOf(input);
    const attemptHeader = /attempt=(\d+)/.exec(String(request.headers['amz-sdk-request'] ?? ''));
    const fault = this.world.faults.faultFor({ service: this.model.service, operation, pk, process: this.process.name }, this.world.now());
    const record: AwsAttempt = {
      seq: 0,
      service: this.model.service,
      operation,
      input,
      pk,
      process: this.process.name,
      invocation: currentInvocation(),
      attempt: attemptHeader ? Number(attemptHeader[1]) : 1,
      invocationId: String(request.headers['amz-sdk-invocation-id'] ?? ''),
      sentAt: this.world.now(),
      fault,
    };
    this.world.attempted(record);
    const end = (ending: AwsAttempt['ending']) => {
      record.endedAt = this.world.now();
      record.ending = ending;
      this.world.ended(record);
    };
    if (fault === 'refused') {
      return new Promise((_, reject) =>
        this.process.run(() =>
          setTimeout(() => {
            end('refused');
            reject(networkError('ECONNREFUSED'));
          }, 1),
        ),
      );
    }
    const { upMs, downMs } = this.world.latency(this.model.service, this.process.name);
    return exchange<AwsAnswer>({
      process: this.process,
      signal: options.abortSignal as AbortSignal | undefined,
      upMs,
      downMs,
      aborted: () => Object.assign(new Error('Request aborted'), { name: 'AbortError' }),
      arrive: () => {
        record.arrivedAt = this.world.now();
        if (fault === 'hang') return { kind: 'silence' };
        if (fault === 'reset') return { kind: 'break', error: () => networkError('ECONNRESET') };
        if (fault === 'throttle' || fault === 'server-error') {
          record.answer = fault === 'throttle' ? this.model.throttled() : this.model.serverError();
          record.delivered = record.answer;
          return { kind: 'answer', value: record.answer };
        }
        this.world.arriving(record);
        const answer = this.model.execute(operation, input, this.process.name);
        record.applied = true;
        record.answer = answer;
        if (fault === 'hang-applied') return { kind: 'silence' };
        if (fault === 'applied-then-reset') return { kind: 'break', error: () => networkError('ECONNRESET') };
        record.delivered = fault === 'applied-then-500' ? this.model.serverError() : answer;
        return { kind: 'answer', value: record.delivered, extraMs: fault === 'slow' ? this.world.slowMs() : 0 };
      },
      onDelivered: (outcome) => end(outcome),
      onAbandoned: () => end('abort'),
    }).then((answer) => ({
      response: new HttpResponse({
        statusCode: answer.status,
        headers: { 'content-type': this.model.contentType, 'x-amzn-requestid': `sim-${record.seq}` },
        body: Buffer.from(JSON.stringify(answer.body)),
      }),
    }));
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {}
}

function pkOf(input: Record<string, unknown>): string | undefined {
  const key = (input.Key ?? input.Item) as { pk?: { S?: string } } | undefined;
  return key?.pk?.S;
}
