import { clustersOf, type MigrationDigest } from '../../src/domain/migration-digest.js';
import type { Button, KnownBlock, SlackMessage } from './block-kit.js';
import {
  code,
  context,
  escape,
  mention,
  mentions,
  PHASE_LABEL,
  section,
  serviceAccountOf,
  slackDate,
  truncate,
} from './format.js';
import { LIMITS } from './limits.js';
import { encodeApprovalValue } from './payload.js';

export const APPROVE_ACTION_ID = 'migration_approve';
export const REJECT_ACTION_ID = 'migration_reject';
/** The approval message is found again (after a restart) by this block id. */
export const APPROVAL_BLOCK_ID = 'approval-request';
const APPROVAL_ACTIONS_BLOCK_ID = 'approval-actions';

/** What cleanup will do, in the words an approver needs. */
export function cleanupSummary(state: MigrationDigest): string[] {
  const annotated = state.cleanup?.removeAnnotations ?? clustersOf(state).map((c) => c.cluster);
  const lines: string[] = [];
  if (annotated.length) {
    lines.push(
      `• remove the IRSA annotation \`eks.amazonaws.com/role-arn\` from ${code(serviceAccountOf(state))} in ${annotated.map(escape).join(', ')}`,
      '• restart its workloads there and verify they still get Pod Identity credentials',
    );
  } else {
    lines.push('• no IRSA annotation to remove');
  }
  const issuers = state.cleanup?.irsaTrustIssuers ?? 0;
  if (state.keepIrsaTrust) lines.push('• keep the role’s IRSA trust statements (`--keep-irsa-trust`)');
  else if (issuers) lines.push(`• remove the role’s IRSA trust for ${issuers} cluster OIDC issuer(s)`);
  return lines;
}

function buttons(state: MigrationDigest): KnownBlock {
  const value = encodeApprovalValue(state);
  const sa = serviceAccountOf(state);
  const approve: Button = {
    type: 'button',
    action_id: APPROVE_ACTION_ID,
    style: 'primary',
    text: { type: 'plain_text', text: 'Approve cleanup' },
    value,
    confirm: {
      title: { type: 'plain_text', text: 'Approve cleanup?' },
      text: {
        type: 'mrkdwn',
        text: truncate(`IRSA will be removed for ${code(sa)}. Workloads restart once more.`, LIMITS.confirmText),
      },
      confirm: { type: 'plain_text', text: 'Approve' },
      deny: { type: 'plain_text', text: 'Cancel' },
    },
  };
  const reject: Button = {
    type: 'button',
    action_id: REJECT_ACTION_ID,
    style: 'danger',
    text: { type: 'plain_text', text: 'Reject and roll back' },
    value,
    confirm: {
      title: { type: 'plain_text', text: 'Reject and roll back?' },
      text: { type: 'mrkdwn', text: truncate(`Every cluster goes back to IRSA for ${code(sa)}.`, LIMITS.confirmText) },
      confirm: { type: 'plain_text', text: 'Reject' },
      deny: { type: 'plain_text', text: 'Cancel' },
      style: 'danger',
    },
  };
  return { type: 'actions', block_id: APPROVAL_ACTIONS_BLOCK_ID, elements: [approve, reject] };
}

function outcome(state: MigrationDigest): string {
  const d = state.decision;
  if (d) {
    const verb = d.decision === 'approve' ? ':white_check_mark: *Approved*' : ':no_entry_sign: *Rejected*';
    const approvedBy = (state.approvals ?? [])
      .filter((a) => a.decision === 'approve' && a.by !== state.requestedBy)
      .map((a) => a.by);
    const by = d.decision === 'approve' && approvedBy.length > 1 ? mentions([...new Set(approvedBy)]) : mention(d.by);
    return `${verb} by ${by} ${slackDate(d.at)}${d.reason ? `: ${escape(d.reason)}` : ''}`;
  }
  if (state.abortRequested) {
    return `:octagonal_sign: *Closed*: aborted by ${mention(state.abortRequested.by)} ${slackDate(state.abortRequested.at)}`;
  }
  return `:lock: *Closed*: ${PHASE_LABEL[state.phase]}`;
}

/** `2 approvals needed (1 so far: @bob)`, when more than one is needed or some were given. */
function approvalsLine(state: MigrationDigest): string | undefined {
  const needed = state.minApprovals ?? 1;
  const approved = [
    ...new Set(
      (state.approvals ?? []).filter((a) => a.decision === 'approve' && a.by !== state.requestedBy).map((a) => a.by),
    ),
  ];
  if (needed <= 1 && approved.length === 0) return undefined;
  return `*${needed} approvals needed* (${approved.length} so far${approved.length ? `: ${mentions(approved)}` : ''})`;
}

/**
 * The approval gate message. While the gate is open it mentions the run's approvers (fixed
 * from the access policy when it started), how many approvals it needs and who gave one,
 * and has the buttons; once decided (or closed another way) it says who and when, without
 * buttons.
 */
export function approvalMessage(state: MigrationDigest): SlackMessage {
  const sa = serviceAccountOf(state);
  const open = state.phase === 'AwaitingApproval' && !state.decision && !state.abortRequested;
  const approvers = state.approvers.filter((a) => a !== state.requestedBy);
  const clusters = clustersOf(state).map((c) => escape(c.cluster));
  const intro = open
    ? `:lock: *Approval needed* ${mentions(approvers)}\n${code(sa)} runs on Pod Identity in ${clusters.join(', ')}, verified. Approve to clean up IRSA, or reject to roll every cluster back.`
    : `:lock: *Approval for* ${code(sa)}`;
  const blocks: KnownBlock[] = [section(intro, APPROVAL_BLOCK_ID)];
  if (open) {
    const progress = approvalsLine(state);
    if (progress) blocks.push(section(progress));
    blocks.push(section(`*Cleanup will:*\n${cleanupSummary(state).join('\n')}`));
    const expires = state.approval ? ` The window closes ${slackDate(state.approval.expiresAt)}` : '';
    const onTimeout = state.onApprovalTimeout === 'hold' ? 'keep IRSA as is' : 'roll back';
    const rule = state.accessRule ? ` Approvers from access rule ${code(state.accessRule)}.` : '';
    blocks.push(
      context(
        `Requested by ${mention(state.requestedBy)}, who cannot approve it.${expires}; without a decision the run will ${onTimeout}.${rule}`,
      ),
      buttons(state),
    );
  } else {
    blocks.push(section(outcome(state)));
  }
  const text = open ? `Approval needed for ${sa}` : `Approval for ${sa}: ${state.decision?.decision ?? 'closed'}`;
  return { text, blocks };
}

/** A reminder in the thread on the workflow's timer; the buttons stay on the request itself. */
export function approvalReminder(state: MigrationDigest): SlackMessage {
  const approvers = state.approvers.filter((a) => a !== state.requestedBy);
  const n = state.approval?.remindersSent ?? 0;
  const closes = state.approval ? ` The window closes ${slackDate(state.approval.expiresAt)}.` : '';
  return {
    text: `Reminder: cleanup of ${serviceAccountOf(state)} is waiting for approval`,
    blocks: [
      section(
        `:alarm_clock: Reminder${n > 1 ? ` ${n}` : ''} ${mentions(approvers)}: cleanup of ${code(serviceAccountOf(state))} is still waiting for approval (buttons above).${closes}`,
      ),
    ],
  };
}
