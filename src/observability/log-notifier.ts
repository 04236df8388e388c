import type { CampaignNotification, Notification, NotifierPort, NotifyResult } from '../ports/notifier.js';
import type { AppLogger } from './logger.js';

function actorOf(event: Notification): string | undefined {
  const { migration } = event;
  if (event.kind === 'decision') return migration.decision?.by;
  if (event.kind === 'started' || event.kind === 'preflight') return migration.requestedBy;
  return migration.abortRequested?.by;
}

/**
 * The worker's notifier without Slack in production: one JSON line per migration event,
 * with the run, the cluster, the step and the actor where the event has them.
 */
export function createLogNotifier(logger: AppLogger): NotifierPort {
  const log = logger.child({ source: 'migration' });
  return {
    notify(event: Notification): Promise<NotifyResult> {
      const { migration } = event;
      const group = event.cluster
        ? migration.clusterGroups.find((g) => g.names.includes(event.cluster ?? ''))
        : undefined;
      const actor = actorOf(event);
      log.info(
        {
          event: event.kind,
          workflowId: migration.workflowId,
          phase: migration.phase,
          serviceAccount: `${migration.serviceAccount.namespace}/${migration.serviceAccount.name}`,
          ...(event.cluster ? { cluster: event.cluster } : {}),
          ...(group?.lastStep ? { step: group.lastStep.step } : {}),
          ...(actor ? { actor } : {}),
        },
        event.text,
      );
      return Promise.resolve({});
    },
    notifyCampaign(event: CampaignNotification): Promise<NotifyResult> {
      const { campaign } = event;
      log.info(
        {
          event: `campaign-${event.kind}`,
          campaignId: campaign.campaignId,
          workflowId: campaign.workflowId,
          phase: campaign.phase,
          ...(campaign.wave === undefined ? {} : { wave: campaign.wave }),
          counts: campaign.counts,
        },
        event.text,
      );
      return Promise.resolve({});
    },
  };
}
