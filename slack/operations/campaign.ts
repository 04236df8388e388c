import { NO_POLICY } from '../../src/domain/campaign-policy.js';
import { ValidationError } from '../../src/domain/errors.js';
import { buildSlices } from '../../src/domain/slices.js';
import { parseFlags } from '../../src/start-request/args.js';
import {
  CAMPAIGN_BOOLEAN_FLAGS,
  CAMPAIGN_VALUE_FLAGS,
  campaignInputOf,
  newCampaignId,
  parseCampaignRequest,
  selectItems,
} from '../../src/start-request/campaign.js';
import { scanInputFor } from '../../src/temporal/scans.js';
import { isUserGroupId } from '../adapters/directory.js';
import { mayStart } from '../access.js';
import type { ListenerDeps } from '../deps.js';
import type { SlackMessage } from '../views/block-kit.js';
import {
  campaignActionReply,
  campaignPlanReply,
  campaignStartedReply,
  campaignStatusReply,
  type CampaignLinks,
} from '../views/campaign.js';
import { errorReply } from '../views/command-replies.js';
import { scanStartedReply } from '../views/inventory.js';
import { NotAllowedError, type Requester } from './start-migration.js';

export const CAMPAIGN_SUBCOMMANDS = 'plan, start, status, approve, pause, resume, abort';

function oneId(args: string[], sub: string): string {
  if (args.length !== 1) throw new ValidationError(`usage: campaign ${sub} <campaign id>`);
  return args[0] ?? '';
}

/**
 * `campaign plan|start`: the slices of the latest full scan (the Schedule keeps it fresh;
 * with none yet, one is started), the selection, and for `start` the campaign itself.
 */
async function planOrStart(deps: ListenerDeps, sub: 'plan' | 'start', args: string[], who: Requester) {
  const { campaigns, scans } = deps;
  if (!campaigns || !scans) return errorReply('campaigns are not available in this deployment');
  if (sub === 'start' && !(await mayStart(deps, who.userId, who.channelId))) {
    throw new NotAllowedError('you are not allowed to start campaigns (see SLACK_ALLOWED_STARTERS)');
  }
  const { positionals, flags } = parseFlags(args, { values: CAMPAIGN_VALUE_FLAGS, booleans: CAMPAIGN_BOOLEAN_FLAGS });
  if (positionals.length) throw new ValidationError(`campaign ${sub} takes flags only (got ${positionals.join(' ')})`);
  const policy = deps.campaignPolicy ?? NO_POLICY;
  const request = parseCampaignRequest(flags, {
    fleet: deps.fleet,
    policy,
    requestedBy: who.userId,
    requireSelection: sub === 'start',
    extraApprovers: deps.approvers.filter((a) => !isUserGroupId(a)),
  });
  // `--approvers @platform` and configured groups arrive as user group ids; the workflow checks user ids.
  const groups = [...request.approvers, ...deps.approvers].filter(isUserGroupId);
  if (groups.length > 0) {
    const approvers = [
      ...new Set([
        ...request.approvers.filter((a) => !isUserGroupId(a)),
        ...(await deps.directory.expandUsers(groups)),
      ]),
    ];
    if (!approvers.some((a) => a !== who.userId)) {
      throw new ValidationError(
        `the approvers' user groups (${groups.join(', ')}) have no member other than you, and you cannot approve your own campaign`,
        'approvers',
      );
    }
    request.approvers = approvers;
    request.options.approvers = approvers;
  }
  const latest = await scans.latest();
  if (!latest) {
    const started = await scans.start(scanInputFor({ fleet: deps.fleet }));
    return scanStartedReply(started.url);
  }
  const slices = buildSlices(latest.report, policy);
  const items = selectItems(slices, request.selection);
  const input = campaignInputOf(request, items, {
    campaignId: newCampaignId(new Date(), Math.random().toString(36).slice(2)),
    requestedBy: who.userId,
    notify: { slack: { channel: who.channelId, ...(who.teamId ? { teamId: who.teamId } : {}) } },
  });
  if (sub === 'plan') return campaignPlanReply(input, slices);
  const started = await campaigns.start(input);
  return campaignStartedReply(started.campaignId, items.length, started.url);
}

/** Pause, resume and abort: the campaign's requester, its approvers, or whoever may start. */
async function mayOperate(deps: ListenerDeps, id: string, who: Requester): Promise<void> {
  const state = await deps.campaigns?.state(id);
  if (!state) return;
  if (state.requestedBy === who.userId || state.approvers.includes(who.userId)) return;
  if (await mayStart(deps, who.userId, who.channelId)) return;
  throw new NotAllowedError(
    'you may not change this campaign: only its requester, its approvers and allowed starters can',
  );
}

/** `/migrate-identity campaign …`. */
export async function campaignCommand(deps: ListenerDeps, args: string[], who: Requester): Promise<SlackMessage> {
  const [sub = '', ...rest] = args;
  const campaigns = deps.campaigns;
  if (!campaigns) return errorReply('campaigns are not available in this deployment');
  const links = (id: string): CampaignLinks => ({
    run: campaigns.url(id),
    list: campaigns.listUrl(id),
    migration: (workflowId, runId) => campaigns.migrationUrl(workflowId, runId),
  });
  switch (sub) {
    case 'plan':
    case 'start':
      return planOrStart(deps, sub, rest, who);
    case 'status': {
      const id = oneId(rest, sub);
      return campaignStatusReply(await campaigns.state(id), links(id));
    }
    case 'approve': {
      const { positionals, flags } = parseFlags(rest, { values: ['wave', 'reason'], booleans: [] });
      const id = oneId(positionals, sub);
      const wave = typeof flags.wave === 'string' ? Number(flags.wave) : undefined;
      if (wave !== undefined && !(Number.isInteger(wave) && wave >= 1)) {
        throw new ValidationError(`--wave must be a wave number, not "${String(flags.wave)}"`);
      }
      const state = await campaigns.approve(id, {
        by: who.userId,
        ...(wave === undefined ? {} : { wave }),
        ...(typeof flags.reason === 'string' ? { reason: flags.reason } : {}),
      });
      return campaignActionReply(
        `Wave ${state.approvals.at(-1)?.wave ?? ''} of campaign ${id} approved: its migrations start.`,
      );
    }
    case 'pause':
    case 'resume':
    case 'abort': {
      const id = oneId(rest, sub);
      await mayOperate(deps, id, who);
      if (sub === 'pause') await campaigns.pause(id, who.userId);
      else if (sub === 'resume') await campaigns.resume(id, who.userId);
      else await campaigns.abort(id, who.userId);
      return campaignActionReply(
        sub === 'abort'
          ? `Abort requested for campaign ${id}: running migrations roll back, finished ones stay.`
          : sub === 'pause'
            ? `Pause requested for campaign ${id}: running migrations go on, no new one starts.`
            : `Resume requested for campaign ${id}.`,
      );
    }
    default:
      throw new ValidationError(`usage: campaign ${CAMPAIGN_SUBCOMMANDS} (see help)`);
  }
}
