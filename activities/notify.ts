import { Context } from '@temporalio/activity';
import type { CampaignNotification, Notification, NotifyResult } from '../src/ports/notifier.js';
import type { ActivityDeps } from './deps.js';

/** How far a `notifyAll` got, in its heartbeats: the events sent, and the thread the first opened. */
interface DeliveryProgress {
  sent: number;
  threadTs?: string;
}

function progressOf(details: unknown): DeliveryProgress {
  if (!details || typeof details !== 'object') return { sent: 0 };
  const { sent, threadTs } = details as Partial<DeliveryProgress>;
  return {
    sent: typeof sent === 'number' && Number.isInteger(sent) && sent > 0 ? sent : 0,
    ...(typeof threadTs === 'string' && { threadTs }),
  };
}

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
     * A run's held events, in order, in one call (HELD_NOTIFICATIONS_PATCH). Each goes in
     * the thread the first one opened; one the notifier cannot deliver is a warning and the
     * rest still go. Heartbeats record the events sent and the thread, so a retry after a
     * lost worker skips those its last recorded heartbeat counts (heartbeats are throttled:
     * an event sent just before the loss can go twice).
     */
    async notifyAll(notifications: Notification[]): Promise<NotifyResult[]> {
      const ctx = Context.current();
      const before = progressOf(ctx.info.heartbeatDetails);
      const sent = Math.min(before.sent, notifications.length);
      let threadTs = before.threadTs;
      // What a skipped event said back that the run needs: the thread it opened.
      const results: NotifyResult[] = notifications
        .slice(0, sent)
        .map((_, i) => (i === 0 && threadTs ? { threadTs } : {}));
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
        ctx.heartbeat({ sent: i + 1, ...(threadTs !== undefined && { threadTs }) } satisfies DeliveryProgress);
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
