import { format } from 'node:util';
import { leakedIn } from './sensitive-values';

/**
 * Captures everything written to stdout and stderr while an integration test file
 * runs (Powertools writes there directly; jest's console is patched too), and fails
 * the file if any client secret or token appears. Set SHOW_LOGS=1 to see the output.
 */
const captured: string[] = [];
const show = process.env.SHOW_LOGS === '1';
const restorers: (() => void)[] = [];

function capture(stream: NodeJS.WriteStream): void {
  const write = stream.write;
  stream.write = (chunk: unknown, ...rest: unknown[]) => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return show ? (write as (...args: unknown[]) => boolean).call(stream, chunk, ...rest) : true;
  };
  restorers.push(() => {
    stream.write = write;
  });
}

capture(process.stdout);
capture(process.stderr);

for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  const original = console[level];
  console[level] = (...args: unknown[]) => {
    captured.push(format(...args));
    if (show) original.apply(console, args);
  };
  restorers.push(() => {
    console[level] = original;
  });
}

/** All output captured so far in this test file. */
export function capturedOutput(): string {
  return captured.join('\n');
}

afterAll(() => {
  // Jest may run a single file in its own process: give the streams back before it reports.
  for (const restore of restorers.splice(0)) restore();
  const leaks = leakedIn(capturedOutput());
  if (leaks.length > 0) {
    throw new Error(`A secret or token was written to the output during these tests: ${leaks.join(', ')}`);
  }
});
