/**
 * The readable trace of a run: one line per event with its true time, the step (command) it
 * belongs to, the container and its clock, the call and the answer. Secrets and tokens never
 * appear: tokens are named by their mint (`T7`), secrets by their version, keys by their label.
 */
import type { AwsAttempt } from '../models/aws-transport';
import type { IssuerAttempt } from '../models/wll-issuer';
import type { ClientBook } from './clients';

interface TraceLine {
  readonly at: number;
  readonly step: number;
  readonly who: string;
  readonly text: () => string;
}

export class Trace {
  private readonly lines: TraceLine[] = [];

  constructor(
    private readonly epochMs: number,
    private readonly clients: ClientBook,
    private readonly clockOf: (who: string) => string,
  ) {}

  add(at: number, step: number, who: string, text: () => string): void {
    this.lines.push({ at, step, who, text });
  }

  get length(): number {
    return this.lines.length;
  }

  /** The whole trace, one event a line. */
  format(): string {
    return this.lines
      .map((line) => `${seconds(line.at - this.epochMs).padStart(9)}  step ${String(line.step).padStart(3)}  ${`${line.who}${this.clockOf(line.who)}`.padEnd(14)} ${line.text()}`)
      .join('\n');
  }

  aws(attempt: AwsAttempt): string {
    const service = attempt.service === 'dynamodb' ? 'DynamoDB' : 'SecretsManager';
    const target = attempt.pk ? ` ${this.clients.pkLabel(attempt.pk)}` : ` ${String(attempt.input.SecretId)}`;
    const retry = attempt.attempt > 1 ? ` (SDK retry ${attempt.attempt - 1})` : '';
    const what = attempt.operation === 'UpdateItem' ? describeUpdate(attempt.input) : '';
    const fault = attempt.fault ? ` [fault: ${attempt.fault}]` : '';
    return `${service} ${attempt.operation}${target}${what}${retry}${fault} → ${this.awsEnding(attempt)}`;
  }

  private awsEnding(attempt: AwsAttempt): string {
    const applied = attempt.applied ? (attempt.answer?.status === 200 ? 'applied' : answerType(attempt.answer?.body)) : 'not applied';
    const late = `${seconds(attempt.endedAt! - attempt.sentAt)} later`;
    switch (attempt.ending) {
      case 'answer':
        return attempt.fault === 'applied-then-500' ? `applied, answered 500 ${late}` : `${attempt.answer?.status === 200 ? 'ok' : answerType(attempt.answer?.body)} ${late}`;
      case 'break':
        return `${applied}, connection reset ${late}`;
      case 'abort':
        return `${attempt.arrivedAt === undefined ? 'on its way' : applied}, given up by the caller ${late}`;
      case 'refused':
        return 'connection refused';
      case 'killed':
        return `${applied} when the container died ${late}`;
      default:
        return 'pending';
    }
  }

  issuer(attempt: IssuerAttempt): string {
    const client = attempt.secretVersion > 0 ? `${attempt.clientId.replace('sim-client-', '').toUpperCase()} v${attempt.secretVersion}` : `${attempt.clientId} (secret unknown to WLL)`;
    const behaviour = attempt.behaviour ? ` [${attempt.behaviour}]` : '';
    const minted = attempt.mint ? ` mints ${attempt.mint.label} (exp +${attempt.mint.exp - Math.floor(attempt.mint.mintedAt / 1000)} s)` : '';
    const late = attempt.endedAt === undefined ? '' : ` ${seconds(attempt.endedAt - attempt.sentAt)} later`;
    const endings = { answer: `HTTP ${attempt.status}${minted}${late}`, abort: `given up by the caller${minted}${late}`, break: `connection reset${late}`, killed: `the container died${minted}${late}` };
    const ending = attempt.ending ? endings[attempt.ending] : '';
    return `WLL ${new URL(attempt.tokenUrl).host} ${client} ${attempt.audience}${behaviour} → ${attempt.ending ? ending : 'pending'}`;
  }
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}

function answerType(body: Record<string, unknown> | undefined): string {
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const type = text(body?.__type).split('#').pop() || 'error';
  // DynamoDB's own words for a refused request say what the model found wrong.
  return type === 'ValidationException' ? `${type} (${text(body?.message)})` : type;
}

function describeUpdate(input: Record<string, unknown>): string {
  const expression = typeof input.UpdateExpression === 'string' ? input.UpdateExpression : '';
  if (expression.includes('leaseId = :id')) return ' (take lease)';
  if (expression.includes('leaseUntil = :free')) return ` (release${expression.includes('notBefore') ? ', back-off' : ''}${expression.includes('rejectedUntil') ? ', refusal' : ''})`;
  if (expression.includes('#total')) return ' (count mint)';
  return '';
}
