import { AsyncLocalStorage } from 'node:async_hooks';

/** What a log line says about the work it belongs to, where known. */
export interface LogContext {
  workflowId?: string;
  runId?: string;
  cluster?: string;
  step?: string;
  actor?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/**
 * Fields of the work in progress (an activity, a Slack request), added to every line the
 * logger writes while it runs: the notifier and the adapters log without knowing the run.
 */
export const logContext = {
  run<T>(fields: LogContext, fn: () => T): T {
    return storage.run({ ...storage.getStore(), ...fields }, fn);
  },
  current(): LogContext {
    return storage.getStore() ?? {};
  },
};
