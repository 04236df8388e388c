/**
 * Campaigns in Slack: the one message per campaign (kept current), its thread replies, and
 * the `/migrate-identity campaign …` answers. Pure builders over the campaign's digest.
 */
import {
  campaignDigest,
  type CampaignCounts,
  type CampaignDigest,
  type CampaignInput,
  type CampaignPhase,
  type CampaignState,
} from '../../src/domain/campaign.js';
import type { Slices } from '../../src/domain/slices.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import type { CampaignNotification } from '../../src/ports/notifier.js';
import type { KnownBlock, SlackMessage } from './block-kit.js';
import { code, context, escape, header, mention, mentions, section, sectionsOf, slackDate } from './format.js';
import { COMMAND } from './command-replies.js';

export const CAMPAIGN_PHASE_LABEL: Record<CampaignPhase, string> = {
  AwaitingApproval: ':hourglass_flowing_sand: Awaiting approval',
  Running: ':arrows_counterclockwise: Running',
  Paused: ':double_vertical_bar: Paused',
  Aborting: ':octagonal_sign: Aborting (rolling back what runs)',
  Completed: ':checkered_flag: Finished',
  Aborted: ':octagonal_sign: Aborted',
};

const COUNT_LABEL: Record<keyof CampaignCounts, string> = {
  pending: ':white_circle: waiting',
  running: ':arrows_counterclockwise: running',
  observing: ':eyes: cleaned up, observing',
  Completed: ':white_check_mark: completed',
  MigratedNotCleaned: ':pause_button: migrated, IRSA kept',
  PreflightFailed: ':no_entry: preflight failed',
  RolledBack: ':rewind: rolled back',
  RollbackFailed: ':rotating_light: rollback failed',
  Terminated: ':skull: ended without a result',
  Skipped: ':heavy_minus_sign: skipped',
  // Phases a finished migration never ends in; listed for the type.
  Preflight: 'preflight',
  Trust: 'trust',
  Migrating: 'migrating',
  AwaitingApproval: 'awaiting approval',
  CleaningUp: 'cleaning up',
  Observing: 'observing',
  RollingBack: 'rolling back',
};

/** Where the campaign's links go. */
export interface CampaignLinks {
  /** The campaign's run in the Temporal UI. */
  run: string;
  /** The Temporal UI's list of the campaign and its migrations (`CampaignId = …`). */
  list: string;
  /** A migration's run. */
  migration: (workflowId: string, runId?: string) => string;
  /** Permalinks of the migrations' messages in the thread, by their ts, where known. */
  permalinks?: ReadonlyMap<string, string>;
}

function countsText(counts: Partial<CampaignCounts>): string {
  const parts = Object.entries(counts).map(([key, n]) => `${COUNT_LABEL[key as keyof CampaignCounts]} *${n}*`);
  return parts.length ? parts.join('  ·  ') : 'nothing yet';
}

function failureLines(digest: CampaignDigest, links: CampaignLinks): string[] {
  if (digest.failureCount === 0) return [];
  const lines = digest.failures.map((f) => {
    const thread = f.slackTs && links.permalinks?.get(f.slackTs);
    const where = [
      ...(thread ? [`<${thread}|thread>`] : []),
      ...(f.runId || f.outcome !== 'Skipped' ? [`<${links.migration(f.workflowId, f.runId)}|run>`] : []),
    ];
    return `• ${code(f.serviceAccount)} ${COUNT_LABEL[f.outcome]}${f.failure ? `: ${escape(f.failure)}` : ''}${where.length ? ` (${where.join(' · ')})` : ''}`;
  });
  if (digest.failureCount > digest.failures.length) {
    lines.push(
      `… and ${digest.failureCount - digest.failures.length} more: ${code(`migrate-identity campaign status ${digest.campaignId}`)}`,
    );
  }
  return [`*Failed or skipped (${digest.failureCount})*`, ...lines];
}

/** The campaign's summary: shared by its message and `campaign status`. */
export function campaignBlocks(digest: CampaignDigest, links: CampaignLinks): KnownBlock[] {
  const wave = digest.wave === undefined ? `all ${digest.waves}` : `${digest.wave} of ${digest.waves}`;
  const blocks: KnownBlock[] = [
    header(`IRSA → Pod Identity campaign: ${digest.campaignId}`),
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Phase*\n${CAMPAIGN_PHASE_LABEL[digest.phase]}` },
        { type: 'mrkdwn', text: `*Wave*\n${wave}` },
        { type: 'mrkdwn', text: `*Service accounts*\n${digest.total}` },
        { type: 'mrkdwn', text: `*Requested by*\n${mention(digest.requestedBy)}` },
      ],
    },
    section(countsText(digest.counts)),
  ];
  if (digest.awaitingWave !== undefined) {
    blocks.push(
      section(
        `:lock: *Wave ${digest.awaitingWave} waits for approval* by ${mentions(digest.approvers.filter((a) => a !== digest.requestedBy))}: it migrates and then cleans up its service accounts.\n${code(`${COMMAND} campaign approve ${digest.campaignId}`)}`,
      ),
    );
  }
  if (digest.paused) {
    blocks.push(
      section(
        `:double_vertical_bar: *Paused* by ${mention(digest.paused.by)} ${slackDate(digest.paused.at)}${digest.paused.reason ? `: ${escape(digest.paused.reason)}` : ''}\nRunning migrations go on; none starts. ${code(`${COMMAND} campaign resume ${digest.campaignId}`)} or ${code(`${COMMAND} campaign abort ${digest.campaignId}`)}`,
      ),
    );
  }
  if (digest.abortRequested) {
    blocks.push(
      section(
        `:octagonal_sign: Abort requested by ${mention(digest.abortRequested.by)} ${slackDate(digest.abortRequested.at)}`,
      ),
    );
  }
  blocks.push(...sectionsOf(failureLines(digest, links), 6));
  const { concurrency, perCluster, failureBudget } = digest.limits;
  blocks.push(
    context(
      `Approval per ${digest.approval} · ${concurrency} at once, ${perCluster} per cluster, one per role · pause after ${failureBudget} failure(s) or any rollback failure`,
    ),
    context(
      `<${links.run}|Open in Temporal UI> · <${links.list}|the campaign and its migrations> · updated ${slackDate(digest.updatedAt)} · each migration posts in this thread`,
    ),
  );
  return blocks;
}

export function campaignMessage(digest: CampaignDigest, links: CampaignLinks): SlackMessage {
  return {
    text: `IRSA → Pod Identity campaign ${digest.campaignId}: ${digest.phase}`,
    blocks: campaignBlocks(digest, links),
  };
}

const EVENT_ICON: Record<CampaignNotification['kind'], string> = {
  started: ':rocket:',
  progress: ':arrows_counterclockwise:',
  'approval-requested': ':lock:',
  approved: ':white_check_mark:',
  paused: ':double_vertical_bar:',
  resumed: ':arrow_forward:',
  aborting: ':octagonal_sign:',
  finished: ':checkered_flag:',
};

/** A thread reply for the campaign events worth a line (not progress: the message shows it). */
export function campaignEventReply(event: CampaignNotification): SlackMessage {
  const text = `${EVENT_ICON[event.kind]} ${escape(event.text)}`;
  return { text: event.text, blocks: [section(text)] };
}

/** `campaign plan`: the waves the campaign would run. */
export function campaignPlanReply(input: CampaignInput, slices: Slices): SlackMessage {
  const waves = [...new Set(input.items.map((i) => i.wave))].sort((a, b) => a - b);
  const flagged = new Set(
    slices.waves
      .flatMap((w) => w.items)
      .filter((i) => i.flags.length > 0)
      .map((i) => `${i.serviceAccount.namespace}/${i.serviceAccount.name}`),
  );
  const lines = waves.flatMap((wave) => {
    const items = input.items.filter((i) => i.wave === wave);
    return [
      `*Wave ${wave}* (${items.length})`,
      ...items.map((i) => {
        const sa = `${i.serviceAccount.namespace}/${i.serviceAccount.name}`;
        return `• ${flagged.has(sa) ? ':triangular_flag_on_post: ' : ''}${code(sa)} ${i.clusters.map(escape).join(' → ')}`;
      }),
    ];
  });
  return {
    text: `Campaign plan: ${input.items.length} service account(s) in ${waves.length} wave(s)`,
    blocks: [
      header(`Campaign plan: ${input.items.length} service account(s) in ${waves.length} wave(s)`),
      ...sectionsOf(lines, 20),
      context(
        `Approval per ${input.approval} by ${input.approvers.length ? mentions(input.approvers) : 'those every service account’s access rule lets approve'} · ${input.limits.concurrency} at once, ${input.limits.perCluster} per cluster, one per role · from the scan of ${slackDate(slices.scannedAt)} · reasons: ${code('migrate-identity slices')}`,
      ),
    ],
  };
}

export function campaignStartedReply(campaignId: string, items: number, url: string): SlackMessage {
  return {
    text: `Started campaign ${campaignId}`,
    blocks: [
      section(
        `:rocket: Started campaign ${code(campaignId)}: ${items} service account(s). Its message in this channel is kept current; each migration posts in its thread. <${url}|Open in Temporal UI>`,
      ),
    ],
  };
}

export function campaignStatusReply(state: CampaignState, links: CampaignLinks): SlackMessage {
  const digest = campaignDigest(state, (item) => workflowIdFor(item.serviceAccount));
  return { text: `campaign ${state.campaignId}: ${state.phase}`, blocks: campaignBlocks(digest, links) };
}

export function campaignActionReply(text: string): SlackMessage {
  return { text, blocks: [section(escape(text))] };
}
