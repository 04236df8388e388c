import type { CampaignNotification, Notification, NotifyResult } from '../src/ports/notifier.js';
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

    /** The campaign's message and events; never fails a campaign either. */
    async notifyCampaign(notification: CampaignNotification): Promise<NotifyResult> {
      try {
        return (await deps.notifier.notifyCampaign?.(notification)) ?? {};
      } catch (err) {
        return { warning: `notifier: ${(err as Error).message}` };
      }
    },
  };
}
