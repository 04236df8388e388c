import type { Notification, NotifierPort, NotifyResult } from '../ports/notifier.js';

/**
 * Sends every event to each notifier (e.g. console and Slack). Warnings are joined; the
 * first `threadTs` wins. A notifier that throws becomes a warning, never a failure.
 */
export function createCompositeNotifier(notifiers: readonly NotifierPort[]): NotifierPort {
  return {
    async notify(event: Notification): Promise<NotifyResult> {
      const results = await Promise.all(
        notifiers.map((n) =>
          n.notify(event).catch((err: unknown): NotifyResult => ({ warning: `notifier: ${(err as Error).message}` })),
        ),
      );
      const warnings = results.flatMap((r) => (r.warning ? [r.warning] : []));
      const threadTs = results.find((r) => r.threadTs)?.threadTs;
      return { ...(threadTs ? { threadTs } : {}), ...(warnings.length ? { warning: warnings.join('; ') } : {}) };
    },
  };
}
