import type { Notification, NotifierPort, NotifyResult } from '../ports/notifier.js';

/** The notifier without Slack: one line per event to a log function (the worker's logger). */
export function createConsoleNotifier(write: (line: string) => void): NotifierPort {
  return {
    notify(event: Notification): Promise<NotifyResult> {
      const { serviceAccount, phase } = event.migration;
      write(`[${serviceAccount.namespace}/${serviceAccount.name}] ${phase}: ${event.text}`);
      return Promise.resolve({});
    },
  };
}
