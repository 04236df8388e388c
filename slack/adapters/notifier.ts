import type { MigrationDigest } from '../../src/domain/migration-digest.js';
import type { MigrationPhase } from '../../src/domain/migration-state.js';
import type { CampaignNotification, Notification, NotifierPort, NotifyResult } from '../../src/ports/notifier.js';
import { APPROVAL_BLOCK_ID, approvalMessage, approvalReminder } from '../views/approval-message.js';
import type { SlackMessage } from '../views/block-kit.js';
import { campaignEventReply, campaignMessage } from '../views/campaign.js';
import { eventReply } from '../views/event-reply.js';
import { observationReply } from '../views/observation.js';
import { serviceAccountOf } from '../views/format.js';
import { parentMessage } from '../views/parent-message.js';
import type { WebClient } from './web-client.js';
import {
  DEFAULT_SLACK_RETRY,
  describeSlackError,
  isTransientSlackError,
  withSlackRetry,
  type SlackRetryOptions,
} from './retry.js';

export interface SlackNotifierOptions {
  /** The run's page in the Temporal UI (`MigrationService.url`). */
  runUrl: (workflowId: string, runId?: string) => string;
  /** The Temporal UI's list of a campaign and its migrations; default: the campaign's run. */
  campaignListUrl?: (campaignId: string) => string;
  /** Where undelivered messages are logged (the worker's logger). */
  logger?: { warn(message: string): void };
  retry?: Partial<SlackRetryOptions>;
  /**
   * Time one event may spend on Slack, retries included (DEFAULT_EVENT_BUDGET_MS). Below the
   * notify activity's start-to-close timeout and notifyAll's heartbeat timeout (1 minute
   * each), so the activity returns a warning instead of timing out.
   */
  eventBudgetMs?: number;
}

/** Time one event may spend on Slack by default, retries included. */
export const DEFAULT_EVENT_BUDGET_MS = 40_000;

interface MessageRef {
  channel: string;
  ts: string;
}

/** A run is one workflow id plus its start time (ids are reused by later runs). */
const runKey = (state: MigrationDigest) => `${state.workflowId}@${state.startedAt}`;

/** How a migration of a campaign may end badly: these get a line in the campaign's thread. */
const FAILED_PHASES: readonly MigrationPhase[] = ['PreflightFailed', 'RolledBack', 'RollbackFailed'];

/**
 * In a campaign's thread a migration keeps one message current; of its events only those a
 * person acts on (approval requests and reminders, failures) add a line to the thread.
 */
function repliesInCampaign(event: Notification): boolean {
  if (event.kind === 'approval-requested' || event.kind === 'approval-reminder') return true;
  if (event.kind === 'observation-alert') return true;
  return event.kind === 'finished' && FAILED_PHASES.includes(event.migration.phase);
}

/**
 * Posts a migration's progress to Slack: one parent message per run in the requesting
 * channel (kept current with chat.update), each event as a thread reply, the approval
 * request broadcast to the channel. Never throws: whatever Slack does, the result is at
 * most a warning the workflow records.
 */
export function createSlackNotifier(client: WebClient, options: SlackNotifierOptions): NotifierPort {
  const retry: SlackRetryOptions = { ...DEFAULT_SLACK_RETRY, ...options.retry };
  const now = retry.now ?? Date.now;
  const eventBudgetMs = options.eventBudgetMs ?? DEFAULT_EVENT_BUDGET_MS;
  // Approval messages this process posted; after a restart they are found in the thread.
  const approvals = new Map<string, MessageRef>();
  // Once a call gave up on a transient error, Slack is presumed down: later calls get a
  // single try until one succeeds, so an outage costs each event one request, not retries.
  let degraded = false;

  // Permalinks of migrations' messages in campaign threads: asked once each, even when Slack
  // has none to give (a link is a convenience; the run's link is always there).
  const permalinks = new Map<string, string>();
  const asked = new Set<string>();

  /** Calls for one event: a shared deadline and the warnings to return. */
  function session(state: Pick<MigrationDigest, 'workflowId'>) {
    const deadline = now() + eventBudgetMs;
    const warnings: string[] = [];
    const warn = (warning: string) => {
      warnings.push(warning);
      options.logger?.warn(`${state.workflowId}: ${warning}`);
    };
    return {
      warnings,
      async call<T>(what: string, request: () => Promise<T>): Promise<T | undefined> {
        const remaining = deadline - now();
        if (remaining <= 0) {
          warn(`slack: ${what} skipped: this event's time for Slack is used up`);
          return undefined;
        }
        try {
          const budgetMs = Math.min(retry.budgetMs, remaining);
          const value = await withSlackRetry(request, { ...retry, budgetMs, ...(degraded ? { maxAttempts: 1 } : {}) });
          degraded = false;
          return value;
        } catch (err) {
          if (isTransientSlackError(err)) degraded = true;
          warn(`slack: ${what} failed: ${describeSlackError(err)}`);
          return undefined;
        }
      },
    };
  }

  return {
    async notify(event: Notification): Promise<NotifyResult> {
      const target = event.slackThread;
      if (!target?.channel) return {};
      const state = event.migration;
      const slack = session(state);
      const done = (extra: NotifyResult = {}): NotifyResult => ({
        ...extra,
        ...(slack.warnings.length ? { warning: slack.warnings.join('; ') } : {}),
      });

      const parent = parentMessage(state, options.runUrl(state.workflowId));
      // In a campaign the run's message is a reply in the campaign's thread, and so are its lines.
      const campaignTs = target.campaignTs;
      let channel = target.channel;
      let threadTs = target.threadTs;
      const firstPost = threadTs === undefined;
      if (threadTs === undefined) {
        const posted = await slack.call('posting the migration message', () =>
          client.chat.postMessage({
            channel,
            ...parent,
            ...(campaignTs ? { thread_ts: campaignTs } : {}),
            unfurl_links: false,
          }),
        );
        if (!posted?.ts) return done();
        threadTs = posted.ts;
        channel = posted.channel ?? channel;
      } else {
        const ts = threadTs;
        await slack.call('updating the migration message', () => client.chat.update({ channel, ts, ...parent }));
      }
      const thread = campaignTs ?? threadTs;
      const reply = (what: string, message: SlackMessage, broadcast = false) =>
        slack.call(what, () =>
          client.chat.postMessage({
            channel,
            thread_ts: thread,
            reply_broadcast: broadcast,
            ...message,
            unfurl_links: false,
          }),
        );

      switch (campaignTs && !repliesInCampaign(event) ? undefined : event.kind) {
        case undefined:
          // In a campaign's thread the run's message, just updated, is all.
          break;
        case 'started':
          // The parent message says it all; a later first post still gets its event's reply.
          if (!firstPost) await reply('posting the start', eventReply(event));
          break;
        case 'approval-requested': {
          // Each of a campaign's many requests stays in its thread; a lone run's is broadcast.
          const posted = await reply('posting the approval request', approvalMessage(state), !campaignTs);
          if (posted?.ts) approvals.set(runKey(state), { channel, ts: posted.ts });
          break;
        }
        case 'approval-reminder':
          await reply('posting the approval reminder', approvalReminder(state));
          break;
        case 'observation':
          await reply('posting the observation', observationReply(event));
          break;
        case 'observation-alert':
          // A regression needs someone: it shows in the channel too (a lone run's).
          await reply('posting the regression alert', observationReply(event), !campaignTs);
          break;
        default:
          await reply(`posting "${event.text.split('\n')[0] ?? ''}"`, eventReply(event));
      }

      if ((event.kind === 'decision' || event.kind === 'finished') && state.approval) {
        const ref = approvals.get(runKey(state)) ?? (await findApproval(channel, thread));
        if (ref) {
          await slack.call('updating the approval request', () =>
            client.chat.update({ channel: ref.channel, ts: ref.ts, ...approvalMessage(state) }),
          );
        }
        if (event.kind === 'finished') approvals.delete(runKey(state));
      }
      return done(firstPost ? { threadTs } : {});

      async function findApproval(inChannel: string, ts: string): Promise<MessageRef | undefined> {
        let cursor: string | undefined;
        do {
          const page = await slack.call('finding the approval request', () =>
            client.conversations.replies({ channel: inChannel, ts, limit: 200, ...(cursor ? { cursor } : {}) }),
          );
          // A campaign's thread holds many runs' requests: the one naming this service account.
          const sa = `\`${serviceAccountOf(state)}\``;
          const found = page?.messages?.find((m) =>
            m.blocks?.some((b) => b.block_id === APPROVAL_BLOCK_ID && JSON.stringify(b).includes(sa)),
          );
          if (found?.ts) return { channel: inChannel, ts: found.ts };
          cursor = page?.response_metadata?.next_cursor || undefined;
        } while (cursor);
        return undefined;
      }
    },

    async notifyCampaign(event: CampaignNotification): Promise<NotifyResult> {
      const target = event.slackThread;
      if (!target?.channel) return {};
      const digest = event.campaign;
      const slack = session(digest);
      const done = (extra: NotifyResult = {}): NotifyResult => ({
        ...extra,
        ...(slack.warnings.length ? { warning: slack.warnings.join('; ') } : {}),
      });
      let channel = target.channel;
      for (const failure of digest.failures) {
        if (!failure.slackTs || asked.has(failure.slackTs)) continue;
        const ts = failure.slackTs;
        asked.add(ts);
        const found = await slack.call("finding a failed migration's message", () =>
          client.chat.getPermalink({ channel, message_ts: ts }),
        );
        if (found?.permalink) permalinks.set(ts, found.permalink);
      }
      const message = campaignMessage(digest, {
        run: options.runUrl(digest.workflowId),
        list: options.campaignListUrl?.(digest.campaignId) ?? options.runUrl(digest.workflowId),
        migration: (workflowId, runId) => options.runUrl(workflowId, runId),
        permalinks,
      });
      let threadTs = target.threadTs;
      const firstPost = threadTs === undefined;
      if (threadTs === undefined) {
        const posted = await slack.call('posting the campaign message', () =>
          client.chat.postMessage({ channel, ...message, unfurl_links: false }),
        );
        if (!posted?.ts) return done();
        threadTs = posted.ts;
        channel = posted.channel ?? channel;
      } else {
        const ts = threadTs;
        await slack.call('updating the campaign message', () => client.chat.update({ channel, ts, ...message }));
      }
      if (event.kind !== 'progress' && event.kind !== 'started') {
        const thread = threadTs;
        // What needs someone (an approval, a pause) shows in the channel too.
        const broadcast = event.kind === 'approval-requested' || event.kind === 'paused';
        await slack.call(`posting "${event.text.split('\n')[0] ?? ''}"`, () =>
          client.chat.postMessage({
            channel,
            thread_ts: thread,
            reply_broadcast: broadcast,
            ...campaignEventReply(event),
            unfurl_links: false,
          }),
        );
      }
      return done(firstPost ? { threadTs } : {});
    },
  };
}
