import { campaignCounts, type CampaignState } from '../../src/domain/campaign.js';

const MAX_FAILURE_LINES = 5;

/** Markdown for the Temporal UI's "current details" of a campaign. */
export function campaignDetails(state: CampaignState): string {
  const waves = new Set(state.items.map((i) => i.wave)).size;
  const where = state.wave === undefined ? `${waves} wave(s) done` : `wave ${state.wave} of ${waves}`;
  const { concurrency, perCluster, failureBudget } = state.limits;
  const counts = Object.entries(campaignCounts(state.children))
    .map(([key, n]) => `${n} ${key}`)
    .join(', ');
  const lines = [
    `**${state.phase}** · campaign ${state.campaignId} · ${where} · ${state.items.length} service account(s), requested by ${state.requestedBy}`,
    '',
    `Caps: ${concurrency} at once, ${perCluster} per cluster, one per role; failure budget ${failureBudget} (${state.failuresSinceResume} used); approval per ${state.approval}`,
    '',
    `- ${counts || 'nothing yet'}`,
  ];
  if (state.paused)
    lines.push('', `Paused by ${state.paused.by}${state.paused.reason ? `: ${state.paused.reason}` : ''}`);
  if (state.abortRequested) lines.push('', `Abort requested by ${state.abortRequested.by}`);
  const failed = state.items
    .map((item, i) => ({ item, child: state.children[i] }))
    .filter(({ child }) => child?.failure !== undefined)
    .slice(-MAX_FAILURE_LINES);
  if (failed.length > 0) {
    lines.push('', 'Latest failures:');
    for (const { item, child } of failed) {
      lines.push(
        `- ${item.serviceAccount.namespace}/${item.serviceAccount.name}: ${child?.outcome ?? ''}: ${child?.failure ?? ''}`,
      );
    }
  }
  return lines.join('\n');
}
