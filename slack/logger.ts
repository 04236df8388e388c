import { LogLevel, type Logger } from '@slack/bolt';
import type { AppLogger } from '../src/observability/logger.js';

const ORDER: LogLevel[] = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR];

/** Where a Bolt log call goes once it passes the level: `name` is unset until Bolt names it. */
type Sink = (level: LogLevel, name: string | undefined, msg: unknown[]) => void;

/** Bolt's Logger interface over a sink: the level gate and the name live here, once. */
function gatedLogger(sink: Sink, initial: LogLevel): Logger {
  let level = initial;
  let name: string | undefined;
  const at =
    (wanted: LogLevel) =>
    (...msg: unknown[]) => {
      if (ORDER.indexOf(wanted) >= ORDER.indexOf(level)) sink(wanted, name, msg);
    };
  return {
    debug: at(LogLevel.DEBUG),
    info: at(LogLevel.INFO),
    warn: at(LogLevel.WARN),
    error: at(LogLevel.ERROR),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: (next) => {
      name = next;
    },
  };
}

function format(value: unknown): string {
  if (value instanceof Error) return value.stack ?? value.message;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Bolt's Logger over an entry point's line logger (`npm start` prints through one). */
export function lineLogger(log: (line: string) => void, initial: LogLevel = LogLevel.INFO): Logger {
  return gatedLogger((level, name, msg) => log(`[${name ?? 'slack'}] ${level}: ${msg.map(format).join(' ')}`), initial);
}

const METHOD = {
  [LogLevel.DEBUG]: 'debug',
  [LogLevel.INFO]: 'info',
  [LogLevel.WARN]: 'warn',
  [LogLevel.ERROR]: 'error',
} as const;

/**
 * Bolt's Logger over our JSON logger. Bolt calls it with any mix of strings, objects and
 * errors: the strings become `msg`, the first error `err`, other values `args`.
 */
export function boltLogger(logger: AppLogger, initial: LogLevel = LogLevel.INFO): Logger {
  return gatedLogger((level, name, msg) => {
    const child = logger.child(name === undefined ? { source: 'slack' } : { source: 'slack', name });
    const err = msg.find((m): m is Error => m instanceof Error);
    const text = msg
      .filter((m) => typeof m === 'string' || (m instanceof Error && m !== err))
      .map((m) => (m instanceof Error ? m.message : (m as string)))
      .join(' ');
    const args = msg.filter((m) => typeof m !== 'string' && !(m instanceof Error));
    child[METHOD[level]]({ ...(err ? { err } : {}), ...(args.length ? { args } : {}) }, text || err?.message);
  }, initial);
}
