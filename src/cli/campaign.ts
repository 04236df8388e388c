/**
 * `slices`: the inventory's migratable service accounts in waves by blast radius.
 * `campaign plan|start|status|approve|pause|resume|abort`: migrate a selection of them.
 */
import { randomUUID } from 'node:crypto';
import { authorizeCampaign, campaignOperateRefusal } from '../access/campaign.js';
import { loadCampaignPolicy } from '../config/campaign-policy.js';
import { ConfigError, type Config } from '../config/index.js';
import { NO_POLICY, type CampaignPolicy } from '../domain/campaign-policy.js';
import { NotAllowedError, ValidationError } from '../domain/errors.js';
import { buildSlices, type Slices } from '../domain/slices.js';
import { connectClient } from '../runtime/client.js';
import { parseFlags } from '../start-request/args.js';
import {
  CAMPAIGN_BOOLEAN_FLAGS,
  CAMPAIGN_USAGE,
  CAMPAIGN_VALUE_FLAGS,
  campaignInputOf,
  newCampaignId,
  parseCampaignRequest,
  selectItems,
} from '../start-request/campaign.js';
import { CampaignService } from '../temporal/campaigns.js';
import { ScanService } from '../temporal/scans.js';
import { renderCampaign, renderCampaignPlan, renderSlices } from './campaign-render.js';
import { scanScope } from './inventory.js';
import { cliAccess } from './identity.js';
import type { CliIo } from './io.js';
import { jsonOutput } from './render.js';

interface Services {
  scans: ScanService;
  campaigns: CampaignService;
}

async function withServices<T>(config: Config, fn: (services: Services) => Promise<T>): Promise<T> {
  const { client, close } = await connectClient(config);
  try {
    const { taskQueue, uiUrl, namespace } = config.temporal;
    return await fn({
      scans: new ScanService(client, taskQueue, uiUrl, namespace),
      campaigns: new CampaignService(client, taskQueue, uiUrl, namespace),
    });
  } finally {
    await close();
  }
}

/** `--policy <file>`, else MIGRATE_IDENTITY_CAMPAIGN_POLICY, else none. A bad file is bad input. */
function policyOf(config: Config, flags: Record<string, string | true>): { policy: CampaignPolicy; source?: string } {
  if (typeof flags.policy !== 'string') return config.campaignPolicy ?? { policy: NO_POLICY };
  try {
    const known = config.fleet.clusters.map((c) => c.name);
    return { policy: loadCampaignPolicy(flags.policy, known), source: flags.policy };
  } catch (err) {
    if (err instanceof ConfigError) throw new ValidationError(err.message, 'policy');
    throw err;
  }
}

/** `slices`: a fresh scan, cut into waves. */
export async function runSlicesCommand(config: Config, args: string[], io: CliIo): Promise<number> {
  const { positionals, flags } = parseFlags(args, {
    values: ['clusters', 'namespace', 'policy'],
    booleans: ['json'],
  });
  if (positionals.length) throw new ValidationError(`slices takes no arguments (got ${positionals.join(' ')})`);
  const { policy, source } = policyOf(config, flags);
  const input = scanScope(config, flags);
  const { report } = await withServices(config, ({ scans }) => scans.scan(input));
  const slices = buildSlices(report, policy);
  io.out(flags.json ? jsonOutput(slices) : renderSlices(slices, source));
  return 0;
}

function onlyId(positionals: string[], sub: string): string {
  if (positionals.length !== 1) throw new ValidationError(`campaign ${sub} takes one campaign id`);
  return positionals[0] ?? '';
}

async function planOrStart(
  sub: 'plan' | 'start',
  config: Config,
  args: string[],
  io: CliIo,
  osUser: string,
): Promise<number> {
  const { positionals, flags } = parseFlags(args, {
    values: [...CAMPAIGN_VALUE_FLAGS, 'clusters', 'policy', 'as'],
    booleans: [...CAMPAIGN_BOOLEAN_FLAGS, 'json'],
  });
  if (positionals.length) {
    throw new ValidationError(
      `campaign ${sub} takes flags only (got ${positionals.join(' ')}); usage: ${CAMPAIGN_USAGE}`,
    );
  }
  const access = cliAccess(config, osUser);
  const by = access.identity(typeof flags.as === 'string' ? flags.as : undefined);
  const { policy } = policyOf(config, flags);
  const request = parseCampaignRequest(flags, {
    fleet: config.fleet,
    policy,
    requestedBy: by,
    requireSelection: sub === 'start',
    approversFromPolicy: access.mode === 'policy',
  });
  const scope = scanScope(config, flags);
  return withServices(config, async ({ scans, campaigns }) => {
    const { report } = await scans.scan(scope);
    const slices: Slices = buildSlices(report, policy);
    const items = selectItems(slices, request.selection);
    // Under the access policy (mode: aws) the requester must be allowed every migration; the approvers come from it.
    if (access.mode === 'policy' && sub === 'start') {
      const { approvers, minApprovals } = await authorizeCampaign(
        access.policy,
        access.directory,
        { items, approvers: request.approvers, approval: request.approval },
        { id: by },
      );
      request.approvers = approvers;
      request.options = { ...request.options, approvers, minApprovals };
    }
    const input = campaignInputOf(request, items, {
      campaignId: newCampaignId(new Date(), randomUUID()),
      requestedBy: by,
    });
    if (sub === 'plan') {
      io.out(flags.json ? jsonOutput({ campaign: input, slices }) : renderCampaignPlan(input, slices));
      return 0;
    }
    const started = await campaigns.start(input);
    io.out(
      flags.json
        ? jsonOutput({ ...started, items: input.items.length })
        : [
            `started campaign ${started.campaignId}: ${input.items.length} service account(s)`,
            input.approval === 'wave'
              ? `wave ${input.items[0]?.wave ?? 1} waits for approval: migrate-identity campaign approve ${started.campaignId} --as <approver>`
              : 'each migration asks its approvers before its cleanup',
            `follow: migrate-identity campaign status ${started.campaignId}`,
            `run: ${started.url}`,
          ].join('\n'),
    );
    return 0;
  });
}

/** `campaign …`. */
export async function runCampaignCommand(config: Config, args: string[], io: CliIo, osUser: string): Promise<number> {
  const [sub = '', ...rest] = args;
  switch (sub) {
    case 'plan':
    case 'start':
      return planOrStart(sub, config, rest, io, osUser);
    case 'status': {
      const { positionals, flags } = parseFlags(rest, { values: [], booleans: ['json'] });
      const id = onlyId(positionals, sub);
      return withServices(config, async ({ campaigns }) => {
        const state = await campaigns.state(id);
        io.out(
          flags.json
            ? jsonOutput(state)
            : renderCampaign(state, { run: campaigns.url(id), list: campaigns.listUrl(id) }),
        );
        return 0;
      });
    }
    case 'approve': {
      const { positionals, flags } = parseFlags(rest, { values: ['as', 'wave', 'reason'], booleans: ['json'] });
      const id = onlyId(positionals, sub);
      const access = cliAccess(config, osUser);
      if (typeof flags.as !== 'string' && access.mode === 'open') {
        throw new ValidationError('campaign approve needs --as <user> (who approves is recorded)');
      }
      const wave = typeof flags.wave === 'string' ? Number(flags.wave) : undefined;
      if (wave !== undefined && !(Number.isInteger(wave) && wave >= 1)) {
        throw new ValidationError(`--wave must be a wave number, not "${String(flags.wave)}"`);
      }
      const by = access.identity(typeof flags.as === 'string' ? flags.as : undefined);
      return withServices(config, async ({ campaigns }) => {
        const state = await campaigns.approve(id, {
          by,
          ...(wave === undefined ? {} : { wave }),
          ...(typeof flags.reason === 'string' ? { reason: flags.reason } : {}),
        });
        io.out(
          flags.json ? jsonOutput(state) : `wave ${state.approvals.at(-1)?.wave ?? ''} of ${id} approved by ${by}`,
        );
        return 0;
      });
    }
    case 'pause':
    case 'resume':
    case 'abort': {
      const { positionals, flags } = parseFlags(rest, { values: ['as', 'reason'], booleans: [] });
      const id = onlyId(positionals, sub);
      const access = cliAccess(config, osUser);
      const by = access.identity(typeof flags.as === 'string' ? flags.as : undefined);
      const reason = typeof flags.reason === 'string' ? flags.reason : undefined;
      return withServices(config, async ({ campaigns }) => {
        if (access.mode === 'policy') {
          const refusal = await campaignOperateRefusal(await campaigns.state(id), by, access.directory, access.policy);
          if (refusal) throw new NotAllowedError(`you may not ${sub} this campaign: ${refusal}`);
        }
        if (sub === 'pause') await campaigns.pause(id, by, reason);
        else if (sub === 'resume') await campaigns.resume(id, by);
        else await campaigns.abort(id, by, reason);
        io.out(
          sub === 'abort'
            ? `abort requested for campaign ${id}: running migrations roll back, finished ones stay`
            : `${sub} requested for campaign ${id}${sub === 'pause' ? ': running migrations go on, no new one starts' : ''}`,
        );
        return 0;
      });
    }
    default:
      throw new ValidationError(
        `campaign ${sub ? `"${sub}" is not a subcommand` : 'needs a subcommand'}: plan, start, status, approve, pause, resume, abort`,
      );
  }
}
