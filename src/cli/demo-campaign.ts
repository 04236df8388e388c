import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/index.js';
import type { CampaignPolicy } from '../domain/campaign-policy.js';
import { isTerminalCampaignPhase, type CampaignState } from '../domain/campaign.js';
import { IRSA_ANNOTATION } from '../domain/constants.js';
import { ValidationError } from '../domain/errors.js';
import { buildSlices } from '../domain/slices.js';
import { DEFAULT_OPTIONS } from '../domain/types.js';
import { openSandbox } from '../runtime/fleet-ports.js';
import { startLocalStack, workerPolling, type LocalStack } from '../runtime/local-stack.js';
import { connectClient, temporalReachable } from '../runtime/stack.js';
import { CAMPAIGN_DEMO_APPS, campaignSeedFleet } from '../sandbox/campaign-seed.js';
import { selectItems } from '../start-request/campaign.js';
import { parseFlags } from '../start-request/args.js';
import { CampaignService } from '../temporal/campaigns.js';
import { scanInputFor, ScanService } from '../temporal/scans.js';
import { renderCampaign, renderSlices } from './campaign-render.js';
import { DEMO_APPROVER, DEMO_REQUESTER } from './demo.js';
import type { CliIo } from './io.js';
import { jsonOutput } from './render.js';

/**
 * The demo's policy: sandbox-c plays production, sandbox-b the canary, and `payments` stays
 * on IRSA (the single-migration demo's namespace: the mixed model).
 */
export const DEMO_POLICY: CampaignPolicy = {
  production: ['sandbox-c'],
  canary: 'sandbox-b',
  namespaces: [{ match: ['payments'], keepIrsa: true, reason: 'left to `npm run demo`' }],
};

const nameOf = (sa: { namespace: string; name: string }) => `${sa.namespace}/${sa.name}`;

/** "Done" checked on the sandbox itself: every shop service account on Pod Identity everywhere, payments untouched. */
async function checkFleet(config: Config): Promise<string[]> {
  const essentials = await openSandbox(config).control.essentials();
  const problems: string[] = [];
  for (const app of CAMPAIGN_DEMO_APPS) {
    for (const cluster of app.clusters) {
      const sa = `${app.namespace}/${app.name}`;
      if (!essentials.associations.some((a) => a.cluster === cluster && `${a.namespace}/${a.serviceAccount}` === sa)) {
        problems.push(`${cluster}: ${sa} has no Pod Identity association`);
      }
      if (essentials.serviceAccountAnnotations[cluster]?.[sa]?.[IRSA_ANNOTATION]) {
        problems.push(`${cluster}: ${sa} still has its IRSA annotation`);
      }
    }
  }
  if (!essentials.serviceAccountAnnotations['sandbox-a']?.['payments/reconciler']?.[IRSA_ANNOTATION]) {
    problems.push('payments/reconciler lost its IRSA annotation: the policy keeps payments on IRSA');
  }
  return problems;
}

/** Two migrations of one role must never have run at once (trust policy writes). */
function roleOverlaps(state: CampaignState): string[] {
  const runs = state.items.map((item, i) => ({ item, child: state.children[i] }));
  const overlaps: string[] = [];
  for (const a of runs) {
    for (const b of runs) {
      if (a === b || a.item.roleArn !== b.item.roleArn || !a.child?.startedAt || !b.child?.startedAt) continue;
      if (a.child.startedAt < b.child.startedAt && (a.child.endedAt ?? '~') > b.child.startedAt) {
        overlaps.push(`${nameOf(a.item.serviceAccount)} and ${nameOf(b.item.serviceAccount)} ran at once`);
      }
    }
  }
  return overlaps;
}

/**
 * `demo campaign`: the sandbox with a `shop` namespace to migrate, its slices, and a
 * campaign of `shop` wave by wave (approved as the demo approver), checked on the sandbox.
 */
export async function runCampaignDemo(config: Config, args: string[], io: CliIo, env: NodeJS.ProcessEnv) {
  const { positionals, flags } = parseFlags(args, { values: [], booleans: ['yes', 'json'] });
  if (positionals.length) throw new ValidationError(`demo campaign takes no arguments (got ${positionals.join(' ')})`);
  if (config.fleet.mode !== 'sandbox')
    throw new ValidationError('the demo runs on the sandbox fleet only (unset MIGRATE_IDENTITY_FLEET_FILE)');
  let stack: LocalStack | undefined;
  let json: string | undefined;
  if (!(await temporalReachable(config))) stack = await startLocalStack(config, { env, log: io.out });
  const { client, close } = await connectClient(config);
  try {
    if (!stack && !(await workerPolling(client, config))) {
      io.out('Temporal is running but no worker polls the task queue: starting one');
      stack = await startLocalStack(config, { env, log: io.out });
    }
    const { taskQueue, uiUrl, namespace } = config.temporal;
    const scans = new ScanService(client, taskQueue, uiUrl, namespace);
    const campaigns = new CampaignService(client, taskQueue, uiUrl, namespace);
    await openSandbox(config).control.reset(campaignSeedFleet());
    io.out('sandbox reset: the default fleet plus namespace shop, six services on IRSA (two share a role)');

    const { report } = await scans.scan(scanInputFor(config));
    const slices = buildSlices(report, DEMO_POLICY);
    io.out('');
    io.out(renderSlices(slices, 'the demo policy: sandbox-c is production, sandbox-b the canary, payments stays'));
    const items = selectItems(slices, { namespaces: ['shop'] });
    const campaignId = `demo-${Date.now().toString(36)}`;
    const started = await campaigns.start({
      campaignId,
      requestedBy: DEMO_REQUESTER,
      items,
      approvers: [DEMO_APPROVER],
      approval: 'wave',
      limits: { concurrency: 3, perCluster: 2, failureBudget: 2 },
      // Short waits so the demo ends in a few minutes; they are the same durable timers.
      options: {
        ...DEFAULT_OPTIONS,
        consistencyWaitSeconds: 3,
        soakSeconds: 2,
        approvers: [DEMO_APPROVER],
        rolloutTimeoutSeconds: 120,
        // The sandbox's CloudTrail delivers in seconds: look it up every 2 s, for a minute at most.
        evidence: { pollSeconds: 2, waitSeconds: 60 },
        // Each migration observes 10 s after its cleanup (two samples): the campaign counts it
        // `observing`, frees its caps, and ends once the last one has.
        observation: { durationSeconds: 10, sampleSeconds: 5 },
      },
    });
    io.out('');
    io.out(`started campaign ${campaignId}: ${items.length} service accounts of namespace shop`);
    io.out(`watch it in the Temporal UI: ${started.url}`);
    io.out(`and its migrations: ${campaigns.listUrl(campaignId)}`);

    const seen = new Map<string, string>();
    let state: CampaignState;
    for (;;) {
      state = await campaigns.state(campaignId);
      const phaseKey = `${state.phase}/${state.wave ?? ''}`;
      if (seen.get('campaign') !== phaseKey) {
        seen.set('campaign', phaseKey);
        io.out(`== ${state.phase}${state.wave === undefined ? '' : ` (wave ${state.wave})`}`);
      }
      state.items.forEach((item, i) => {
        const child = state.children[i];
        const now = child?.status === 'done' ? (child.outcome ?? 'done') : (child?.status ?? 'pending');
        const sa = nameOf(item.serviceAccount);
        if (now !== 'pending' && seen.get(sa) !== now) {
          seen.set(sa, now);
          io.out(`${sa}: ${now}${child?.failure ? `: ${child.failure}` : ''}`);
        }
      });
      if (isTerminalCampaignPhase(state.phase) || state.phase === 'Paused') break;
      if (state.phase === 'AwaitingApproval' && state.wave !== undefined) {
        let approve = flags.yes === true;
        if (!approve) {
          if (!io.ask) throw new ValidationError('the campaign waits for approval: run with --yes, or in a terminal');
          approve = /^y(es)?$/i.test((await io.ask(`Approve wave ${state.wave} as ${DEMO_APPROVER}? [y/N] `)).trim());
        }
        if (!approve) {
          await campaigns.abort(campaignId, DEMO_REQUESTER, 'not approved in the demo');
        } else {
          await campaigns.approve(campaignId, { by: DEMO_APPROVER, wave: state.wave, reason: 'demo' });
        }
      }
      await sleep(500);
    }
    const problems = state.phase === 'Completed' ? [...(await checkFleet(config)), ...roleOverlaps(state)] : [];
    io.out('');
    io.out(renderCampaign(state, { run: campaigns.url(campaignId), list: campaigns.listUrl(campaignId) }));
    const passed =
      state.phase === 'Completed' && problems.length === 0 && state.children.every((c) => c.outcome === 'Completed');
    if (passed) {
      io.out(
        '\ndemo passed: every shop service account on Pod Identity in each of its clusters, IRSA cleaned up, payments left on IRSA, the shared role migrated one service account at a time',
      );
    } else if (problems.length) {
      io.out(`\ndemo FAILED: the sandbox does not show a completed campaign:\n  ${problems.join('\n  ')}`);
    }
    if (flags.json) json = jsonOutput(state);
    return passed ? 0 : 1;
  } finally {
    await close();
    await stack?.stop();
    // Last, once the worker it started has stopped: a notification still in flight prints
    // while it drains, and the JSON must be the output's last line.
    if (json !== undefined) io.out(json);
  }
}
