/**
 * The function's telemetry seam in the simulation: log lines are kept (for the trace, and for
 * the check that no secret or token is ever logged) instead of printed, and metrics are dropped.
 */
import type { Telemetry } from '../../../lambda/telemetry/observability';

export interface LogLine {
  readonly process: string;
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: unknown;
}

/** A Telemetry whose logger records every line for `process` and whose metrics go nowhere. */
export function recordingTelemetry(process: string, record: (line: LogLine) => void): Telemetry {
  const log = (level: LogLine['level']) => (message: string, fields?: unknown) => record({ process, level, message, fields });
  const metrics = {
    addMetric: () => undefined,
    addDimension: () => undefined,
    addDimensions: () => undefined,
    clearDimensions: () => undefined,
    hasStoredMetrics: () => false,
    publishStoredMetrics: () => undefined,
    singleMetric: () => metrics,
  };
  const logger = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    addContext: () => undefined,
    appendKeys: () => undefined,
    removeKeys: () => undefined,
  };
  // Only the members the function calls exist: a new call shows up as a TypeError in the sim.
  return { logger, metrics } as unknown as Telemetry;
}
