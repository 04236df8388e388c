import { LogLevel, type Logger } from '@slack/bolt';
import type { AppLogger } from './logger.js';

const METHOD = {
  [LogLevel.DEBUG]: 'debug',
  [LogLevel.INFO]: 'info',
  [LogLevel.WARN]: 'warn',
  [LogLevel.ERROR]: 'error',
};

/**
 * Bolt's Logger over our JSON logger. Bolt calls it with any mix of strings, objects and
 * errors: the strings become `msg`, the first error `err`, other values `args`.
 */
export function boltLogger(logger: AppLogger, initial: LogLevel = LogLevel.INFO): Logger {
  let level = initial;
  let child = logger.child({ source: 'slack' });
  const at =
    (wanted: LogLevel) =>
    (...msg: unknown[]) => {
      const order = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR];
      if (order.indexOf(wanted) < order.indexOf(level)) return;
      const err = msg.find((m): m is Error => m instanceof Error);
      const text = msg
        .filter((m) => typeof m === 'string' || (m instanceof Error && m !== err))
        .map((m) => (m instanceof Error ? m.message : (m as string)))
        .join(' ');
      const args = msg.filter((m) => typeof m !== 'string' && !(m instanceof Error));
      child[METHOD[wanted] as 'info'](
        { ...(err ? { err } : {}), ...(args.length ? { args } : {}) },
        text || err?.message,
      );
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
    setName: (name) => {
      child = logger.child({ source: 'slack', name });
    },
  };
}
