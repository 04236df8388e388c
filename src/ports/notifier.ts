import type { CampaignDigest } from '../domain/campaign.js';
import type { MigrationDigest } from '../domain/migration-digest.js';
import type { SlackThread } from '../domain/migration-state.js';
import type { Finding } from '../domain/types.js';

export type NotificationKind =
  | 'started'
  | 'preflight'
  | 'step'
  | 'approval-requested'
  | 'approval-reminder'
  | 'decision'
  | 'rollback-step'
  // The Observing phase: its start, daily digest and end; and a regression, with the rollback button.
  | 'observation'
  | 'observation-alert'
  | 'finished';

/**
 * One event a workflow reports, with the facts the notifiers render (console line, Slack
 * thread reply, parent message update). The workflow builds it; the notify activity passes
 * it on as it is.
 */
export interface Notification {
  kind: NotificationKind;
  /** One human line, e.g. `sandbox-a: association a-1 created`. */
  text: string;
  cluster?: string;
  /** The run's Slack thread; absent for runs without one (started from the CLI). */
  slackThread?: SlackThread;
  /** The run right after the event. */
  migration: MigrationDigest;
  /** The findings the event reports: preflight's, and those that blocked the run. */
  findings?: Finding[];
}

export interface NotifyResult {
  /** Set when the notifier could not deliver: recorded as a warning, never a failure. */
  warning?: string;
  /** Slack: the parent message ts once posted, so later events thread under it. */
  threadTs?: string;
}

export type CampaignNotificationKind =
  'started' | 'progress' | 'approval-requested' | 'approved' | 'paused' | 'resumed' | 'aborting' | 'finished';

/** One event of a campaign: its message is kept current, and the events worth a line get one. */
export interface CampaignNotification {
  kind: CampaignNotificationKind;
  /** One human line; `progress` events carry the latest change. */
  text: string;
  /** The campaign's Slack message; absent for campaigns without one (started from the CLI). */
  slackThread?: SlackThread;
  campaign: CampaignDigest;
}

export interface NotifierPort {
  notify(notification: Notification): Promise<NotifyResult>;
  /** Campaign events; a notifier without it leaves campaigns to the migrations' own events. */
  notifyCampaign?(notification: CampaignNotification): Promise<NotifyResult>;
}
