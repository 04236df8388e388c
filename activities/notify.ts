import { Context } from '@temporalio/activity';
import type { CampaignNotification, Notification, NotifyResult } from '../src/ports/notifier.js';
import type { ActivityDeps } from './deps.js';

export function notifyActivities(deps: ActivityDeps) {
  const notifyOne = async (notification: Notification): Promise<NotifyResult> => {
    try {
      return await deps.notifier.notify(notification);
    } catch (err) {
      return { warning: `notifier: ${(err as Error).message}` };
    }
  };
  return {
    /**
     * Never fails: a notifier outage becomes a warning in the migration state. The
     * workflow sends everything the notifiers render, so nothing is read back from it.
     */
    notify(notification: Notification): Promise<NotifyResult> {
      return notifyOne(notification);
    },

    /**
     * A run's events queued while its last delivery was out, in order, in one call (a round
     * trip for the lot). Each goes in the thread the first one opened; one the notifier
     * cannot deliver is a warning and the rest still go. A retry after a lost worker skips
     * the events its heartbeats said were sent.
     */
    async notifyAll(notifications: Notification[]): Promise<NotifyResult[]> {
      const ctx = Context.current();
      const sent = Number(ctx.info.heartbeatDetails ?? 0) || 0;
      const results: NotifyResult[] = notifications.slice(0, sent).map(() => ({}));
      let threadTs: string | undefined;
      for (const [i, notification] of notifications.entries()) {
        if (i < sent) continue;
        const { slackThread } = notification;
        const inThread =
          slackThread && slackThread.threadTs === undefined && threadTs !== undefined
            ? { ...notification, slackThread: { ...slackThread, threadTs } }
            : notification;
        const result = await notifyOne(inThread);
        threadTs ??= result.threadTs;
        results.push(result);
        ctx.heartbeat(i + 1);
      }
      return results;
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
