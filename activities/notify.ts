import type { Notification, NotifyResult } from '../src/ports/notifier.js';
import type { ActivityDeps } from './deps.js';

export function notifyActivities(deps: ActivityDeps) {
  return {
    /**
     * Never fails: a notifier outage becomes a warning in the migration state. The
     * workflow sends everything the notifiers render, so nothing is read back from it.
     */
    async notify(notification: Notification): Promise<NotifyResult> {
      try {
        return await deps.notifier.notify(notification);
      } catch (err) {
        return { warning: `notifier: ${(err as Error).message}` };
      }
    },
  };
}
