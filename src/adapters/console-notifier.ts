import type { MigrationEvent, NotifierPort, NotifyResult } from '../ports/notifier.js';

/** The notifier without Slack: one line per event to a log function (the worker's logger). */
export function createConsoleNotifier(write: (line: string) => void): NotifierPort {
  return {
    notify(event: MigrationEvent): Promise<NotifyResult> {
      const sa = `${event.state.input.serviceAccount.namespace}/${event.state.input.serviceAccount.name}`;
      write(`[${sa}] ${event.state.phase}: ${event.text}`);
      return Promise.resolve({});
    },
  };
}
