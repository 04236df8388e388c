/** Slices, campaign plans and campaign status as the terminal shows them. */
import {
  campaignCounts,
  type CampaignInput,
  type CampaignItem,
  type CampaignState,
  type ChildProgress,
} from '../domain/campaign.js';
import type { Slices, SliceItem } from '../domain/slices.js';
import { workflowIdFor } from '../domain/workflow-id.js';

const roleName = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);
const nameOf = (item: Pick<CampaignItem, 'serviceAccount'>) =>
  `${item.serviceAccount.namespace}/${item.serviceAccount.name}`;

function countsLine(counts: Record<string, number>): string {
  return (
    Object.entries(counts)
      .map(([key, n]) => `${n} ${key}`)
      .join(', ') || 'none'
  );
}

function itemLines(item: SliceItem, verbose: boolean): string[] {
  const flags = item.flags.length > 0 ? `  [${item.flags.join(', ')}]` : '';
  const head = `  ${item.flags.length > 0 ? '⚑' : '-'} ${nameOf(item)}  role ${roleName(item.roleArn)}  ${item.clusters.join(' → ')}${flags}`;
  return verbose ? [head, `      ${item.reasons.join('; ')}`] : [head];
}

/** The waves with the reason for each placement, then what is left out. */
export function renderSlices(slices: Slices, policySource: string | undefined): string {
  const lines = [
    `Risk slices of the scan at ${slices.scannedAt} (policy: ${policySource ?? 'none; production by cluster name'})`,
  ];
  if (slices.waves.length === 0) lines.push('', 'Nothing to migrate.');
  for (const wave of slices.waves) {
    lines.push('', `Wave ${wave.wave} (${wave.items.length}): ${wave.title}`);
    for (const item of wave.items) lines.push(...itemLines(item, true));
  }
  if (slices.excluded.length > 0) {
    lines.push('', `Left out (${slices.excluded.length}):`);
    for (const e of slices.excluded) lines.push(`  ${e.serviceAccount} (${e.clusters.join(', ')}): ${e.reason}`);
  }
  for (const note of slices.notes) lines.push('', `Note: ${note}`);
  return lines.join('\n');
}

/** What `campaign start` would run, and how. */
export function renderCampaignPlan(input: CampaignInput, slices: Slices): string {
  const byName = new Map(slices.waves.flatMap((w) => w.items).map((i) => [nameOf(i), i]));
  const waves = [...new Set(input.items.map((i) => i.wave))].sort((a, b) => a - b);
  const { concurrency, perCluster, failureBudget } = input.limits;
  const lines = [
    `Campaign plan: ${input.items.length} service account(s) in ${waves.length} wave(s)`,
    `  caps: ${concurrency} at once, ${perCluster} per cluster, one per role; pause after ${failureBudget} failure(s) or any RollbackFailed`,
    `  approval: ${input.approval === 'wave' ? 'once per wave, before it starts (covers its cleanups)' : "each service account's cleanup, in its own run"}, by ${input.approvers.join(', ')}`,
  ];
  for (const wave of waves) {
    lines.push('', `Wave ${wave}:`);
    for (const item of input.items.filter((i) => i.wave === wave)) {
      const known = byName.get(nameOf(item));
      lines.push(...(known ? itemLines(known, false) : [`  - ${nameOf(item)}  ${item.clusters.join(' → ')}`]));
    }
  }
  return lines.join('\n');
}

function childLine(item: CampaignItem, child: ChildProgress | undefined): string {
  const where = child?.status === 'done' ? (child.outcome ?? 'done') : (child?.status ?? 'pending');
  const failure = child?.failure ? `: ${child.failure}` : '';
  return `  ${nameOf(item)}  ${where}${failure}`;
}

/** One campaign: phase, counts, each wave's approval and migrations, what paused it. */
export function renderCampaign(state: CampaignState, urls: { run: string; list: string }): string {
  const waves = [...new Set(state.items.map((i) => i.wave))].sort((a, b) => a - b);
  const lines = [
    `Campaign ${state.campaignId}: ${state.phase}${state.wave === undefined ? '' : ` (wave ${state.wave} of ${waves.length})`}`,
    `  requested by ${state.requestedBy}; approval per ${state.approval} by ${state.approvers.join(', ')}`,
    `  ${countsLine(campaignCounts(state.children))}`,
    `  caps: ${state.limits.concurrency} at once, ${state.limits.perCluster} per cluster, one per role; failures ${state.failuresSinceResume} of ${state.limits.failureBudget} before a pause`,
  ];
  if (state.paused) {
    lines.push(
      `  PAUSED by ${state.paused.by}${state.paused.reason ? `: ${state.paused.reason}` : ''} (resume: migrate-identity campaign resume ${state.campaignId})`,
    );
  }
  if (state.abortRequested) lines.push(`  abort requested by ${state.abortRequested.by}`);
  if (state.phase === 'AwaitingApproval' && state.wave !== undefined) {
    lines.push(
      `  wave ${state.wave} waits for approval: migrate-identity campaign approve ${state.campaignId} --as <approver>`,
    );
  }
  for (const wave of waves) {
    const approval = state.approvals.find((a) => a.wave === wave);
    lines.push('', `Wave ${wave}${approval ? ` (approved by ${approval.by} at ${approval.at})` : ''}:`);
    state.items.forEach((item, i) => {
      if (item.wave === wave) lines.push(childLine(item, state.children[i]));
    });
  }
  const failed = state.items.filter((_, i) => state.children[i]?.failure !== undefined && state.children[i]?.runId);
  if (failed.length > 0) {
    lines.push('', 'Failed runs: migrate-identity status <namespace>/<name>, or in the Temporal UI:');
    for (const item of failed) lines.push(`  ${nameOf(item)}: ${workflowIdFor(item.serviceAccount)}`);
  }
  if (state.warnings.length > 0) lines.push('', `Warnings: ${state.warnings.join('; ')}`);
  lines.push('', `run: ${urls.run}`, `campaign and its migrations: ${urls.list}`);
  return lines.join('\n');
}
