import type { CampaignNotification, Notification, NotifierPort, NotifyResult } from '../ports/notifier.js';

/**
 * Sends every event to each notifier (e.g. console and Slack). Warnings are joined; the
 * first `threadTs` wins. A notifier that throws becomes a warning, never a failure.
 */
export function createCompositeNotifier(notifiers: readonly NotifierPort[]): NotifierPort {
  const all = async (send: (n: NotifierPort) => Promise<NotifyResult> | undefined): Promise<NotifyResult> => {
    const results = await Promise.all(
      notifiers.map((n) =>
        Promise.resolve<NotifyResult>(send(n) ?? {}).catch((err: unknown): NotifyResult => ({
          warning: `notifier: ${(err as Error).message}`,
        })),
      ),
    );
    const warnings = results.flatMap((r) => (r.warning ? [r.warning] : []));
    const threadTs = results.find((r) => r.threadTs)?.threadTs;
    return { ...(threadTs ? { threadTs } : {}), ...(warnings.length ? { warning: warnings.join('; ') } : {}) };
  };
  return {
    notify: (event: Notification) => all((n) => n.notify(event)),
    notifyCampaign: (event: CampaignNotification) => all((n) => n.notifyCampaign?.(event)),
  };
}
