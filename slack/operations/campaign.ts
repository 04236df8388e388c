import { authorizeCampaign, campaignOperateRefusal } from '../../src/access/campaign.js';
import { NO_POLICY } from '../../src/domain/campaign-policy.js';
import { NotAllowedError, ValidationError } from '../../src/domain/errors.js';
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
import { policyOrRefuse, viewRefusal } from '../access.js';
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
import type { Requester } from './start-migration.js';

export const CAMPAIGN_SUBCOMMANDS = 'plan, start, status, approve, pause, resume, abort';

function oneId(args: string[], sub: string): string {
  if (args.length !== 1) throw new ValidationError(`usage: campaign ${sub} <campaign id>`);
  return args[0] ?? '';
}

/**
 * `campaign plan|start`: the slices of the latest full scan (the Schedule keeps it fresh;
 * with none yet, one is started), the selection, and for `start` the campaign itself.
 * `plan` is for the access policy's viewers; `start` for whoever may start every migration
 * it would run, with the approvers every one of their rules gives.
 */
async function planOrStart(deps: ListenerDeps, sub: 'plan' | 'start', args: string[], who: Requester) {
  const { campaigns, scans } = deps;
  if (!campaigns || !scans) return errorReply('campaigns are not available in this deployment');
  const access = policyOrRefuse(deps);
  if (sub === 'plan') {
    const refusal = await viewRefusal(deps, who.userId, who.channelId);
    if (refusal) throw new NotAllowedError(refusal);
  }
  const { positionals, flags } = parseFlags(args, { values: CAMPAIGN_VALUE_FLAGS, booleans: CAMPAIGN_BOOLEAN_FLAGS });
  if (positionals.length) throw new ValidationError(`campaign ${sub} takes flags only (got ${positionals.join(' ')})`);
  const policy = deps.campaignPolicy ?? NO_POLICY;
  const request = parseCampaignRequest(flags, {
    fleet: deps.fleet,
    policy,
    requestedBy: who.userId,
    requireSelection: sub === 'start',
    approversFromPolicy: true,
  });
  const latest = await scans.latest();
  if (!latest) {
    const started = await scans.start(scanInputFor({ fleet: deps.fleet }));
    return scanStartedReply(started.url);
  }
  const slices = buildSlices(latest.report, policy);
  const items = selectItems(slices, request.selection);
  if (sub === 'start') {
    const { approvers, minApprovals } = await authorizeCampaign(
      access,
      deps.directory,
      { items, approvers: request.approvers, approval: request.approval },
      { id: who.userId, channel: who.channelId },
    );
    request.approvers = approvers;
    request.options = { ...request.options, approvers, minApprovals };
  }
  const input = campaignInputOf(request, items, {
    campaignId: newCampaignId(new Date(), Math.random().toString(36).slice(2)),
    requestedBy: who.userId,
    notify: { slack: { channel: who.channelId, ...(who.teamId ? { teamId: who.teamId } : {}) } },
  });
  if (sub === 'plan') return campaignPlanReply(input, slices);
  const started = await campaigns.start(input);
  return campaignStartedReply(started.campaignId, items.length, started.url);
}

/** Pause, resume and abort: the campaign's requester, its approvers, or the operators of every migration it runs. */
async function mayOperate(deps: ListenerDeps, id: string, sub: string, who: Requester): Promise<void> {
  const state = await deps.campaigns?.state(id);
  if (!state) return;
  const refusal = await campaignOperateRefusal(state, who.userId, deps.directory, deps.policy.current());
  if (refusal) throw new NotAllowedError(`you may not ${sub} this campaign: ${refusal}`);
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
      await mayOperate(deps, id, sub, who);
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
