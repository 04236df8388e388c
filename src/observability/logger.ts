import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { AppLogLevel } from '../config/index.js';
import { logContext } from './log-context.js';

export type AppLogger = PinoLogger;

/**
 * Keys that hold secrets wherever they appear (one level deep too): removed before a
 * line is written. Values are covered as well, see `scrubSecrets`.
 */
const SECRET_KEYS = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'clientSecret',
  'secretAccessKey',
  'sessionToken',
  'password',
  'authorization',
  'Authorization',
];
export const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `*.${key}`),
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers["x-slack-signature"]',
];

/** Shorter values are not worth scrubbing (and would wreck every line they occur in). */
const MIN_SECRET_LENGTH = 8;

/**
 * Replaces every configured secret value in a serialized line, raw or JSON-escaped: a
 * token inside a message string or an error's text escapes key-based redaction.
 */
export function scrubSecrets(secrets: readonly string[]): (line: string) => string {
  const needles = [
    ...new Set(
      secrets.filter((s) => s.length >= MIN_SECRET_LENGTH).flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]),
    ),
  ];
  if (needles.length === 0) return (line) => line;
  return (line) => needles.reduce((out, needle) => out.split(needle).join('[REDACTED]'), line);
}

export interface LoggerOptions {
  level: AppLogLevel;
  /** Secret values to scrub from every line (`config.secrets`). */
  secrets?: readonly string[];
  /** `worker`, `bot`, `start`: which process wrote the line. */
  component: string;
  /** Default: stdout. Tests pass a stream they read. */
  destination?: DestinationStream;
}

/**
 * One JSON object per line on stdout: `time` (ISO), `level` (name), `msg`, `component`,
 * and where known `workflowId`, `runId`, `cluster`, `step`, `actor`.
 */
export function createLogger(options: LoggerOptions): AppLogger {
  const scrub = scrubSecrets(options.secrets ?? []);
  return pino(
    {
      level: options.level,
      base: { component: options.component },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      mixin: () => ({ ...logContext.current() }),
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      hooks: { streamWrite: scrub },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
