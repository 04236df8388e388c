import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import type { AppLogger } from './logger.js';

const ORDER: LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
const METHOD = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * The Temporal SDK's Logger over our JSON logger: the runtime's own lines, the worker's,
 * workflow `log` calls (through the SDK's logger sink) and activity context logs. Lines
 * below `level` (MIGRATE_IDENTITY_LOG_LEVEL) are dropped here; the SDK's names for the run
 * are mapped to ours (`runId`), the rest of its metadata is kept as given.
 */
export function temporalLogger(logger: AppLogger, level: LogLevel): Logger {
  const threshold = ORDER.indexOf(level);
  const sdk = logger.child({ source: 'temporal' });
  const log = (at: LogLevel, message: string, meta: LogMetadata = {}) => {
    if (ORDER.indexOf(at) < threshold) return;
    const { workflowRunId, ...rest } = meta as LogMetadata & { workflowRunId?: string; runId?: string };
    const fields = workflowRunId !== undefined && rest.runId === undefined ? { ...rest, runId: workflowRunId } : rest;
    sdk[METHOD[at]](fields, message);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}
