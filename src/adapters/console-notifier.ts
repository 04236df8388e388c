import type { CampaignNotification, Notification, NotifierPort, NotifyResult } from '../ports/notifier.js';

/** The notifier without Slack: one line per event to a log function (the worker's logger). */
export function createConsoleNotifier(write: (line: string) => void): NotifierPort {
  return {
    notify(event: Notification): Promise<NotifyResult> {
      const { serviceAccount, phase } = event.migration;
      write(`[${serviceAccount.namespace}/${serviceAccount.name}] ${phase}: ${event.text}`);
      return Promise.resolve({});
    },
    notifyCampaign(event: CampaignNotification): Promise<NotifyResult> {
      write(`[campaign ${event.campaign.campaignId}] ${event.campaign.phase}: ${event.text}`);
      return Promise.resolve({});
    },
  };
}
