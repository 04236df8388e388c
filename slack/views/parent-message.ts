import { clustersOf, type ClusterDigest, type MigrationDigest } from '../../src/domain/migration-digest.js';
import type { KnownBlock, SlackMessage } from './block-kit.js';
import {
  CLUSTER_ICON,
  code,
  context,
  escape,
  header,
  mention,
  PHASE_LABEL,
  section,
  sectionsOf,
  serviceAccountOf,
  slackDate,
  truncate,
} from './format.js';

function clusterLine(c: ClusterDigest): string {
  const last = c.lastStep;
  const step = last ? ` · ${last.step} ${last.status}` : '';
  return `${CLUSTER_ICON[c.status]} *${escape(c.cluster)}*: ${c.status}${step}`;
}

/** The top of a migration: what, who, where it stands. Shared by the parent message and `status`. */
export function summaryBlocks(state: MigrationDigest, runUrl: string): KnownBlock[] {
  const sa = serviceAccountOf(state);
  const phase = `${PHASE_LABEL[state.phase]}${state.paused ? ' (paused)' : ''}`;
  const blocks: KnownBlock[] = [
    header(`IRSA → Pod Identity: ${sa}`),
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Service account*\n${code(sa)}` },
        { type: 'mrkdwn', text: `*Phase*\n${phase}` },
        { type: 'mrkdwn', text: truncate(`*Role*\n${code(state.roleArn)}`, 2000) },
        { type: 'mrkdwn', text: `*Requested by*\n${mention(state.requestedBy)}` },
      ],
    },
    ...sectionsOf(['*Clusters*', ...clustersOf(state).map(clusterLine)], 5),
  ];
  if (state.decision) {
    const verb =
      state.decision.decision === 'approve' ? ':white_check_mark: Cleanup approved' : ':no_entry_sign: Rejected';
    const reason = state.decision.reason ? `: ${escape(state.decision.reason)}` : '';
    blocks.push(section(`${verb} by ${mention(state.decision.by)} ${slackDate(state.decision.at)}${reason}`));
  }
  if (state.abortRequested) {
    blocks.push(
      section(
        `:octagonal_sign: Abort requested by ${mention(state.abortRequested.by)} ${slackDate(state.abortRequested.at)}`,
      ),
    );
  }
  if (state.failure) {
    const where = [state.failure.cluster, state.failure.step].filter(Boolean).join(' / ');
    blocks.push(
      section(
        `:x: *${escape(state.failure.type)}*${where ? ` (${escape(where)})` : ''}: ${escape(state.failure.message)}`,
      ),
    );
  }
  if (state.manualSteps?.length) {
    blocks.push(section(`*Manual steps to finish recovery*\n\`\`\`${state.manualSteps.join('\n')}\`\`\``));
  }
  const warnings = state.warningCount ? ` · :warning: ${state.warningCount} warning(s)` : '';
  blocks.push(
    context(
      `<${runUrl}|Open in Temporal UI> · ${code(state.workflowId)} · updated ${slackDate(state.updatedAt)}${warnings}`,
    ),
  );
  return blocks;
}

/** The one message per migration in the requesting channel, kept current with `chat.update`. */
export function parentMessage(state: MigrationDigest, runUrl: string): SlackMessage {
  return {
    text: `IRSA → Pod Identity for ${serviceAccountOf(state)}: ${state.phase}`,
    blocks: summaryBlocks(state, runUrl),
  };
}
