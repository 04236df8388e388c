import type { MigrationEvent, NotifyResult } from '../src/ports/notifier.js';
import type { ActivityDeps } from './deps.js';

export function notifyActivities(deps: ActivityDeps) {
  return {
    /** Never fails: a notifier outage becomes a warning in the migration state. */
    async notify(event: MigrationEvent): Promise<NotifyResult> {
      try {
        return await deps.notifier.notify(event);
      } catch (err) {
        return { warning: `notifier: ${(err as Error).message}` };
      }
    },
  };
}
