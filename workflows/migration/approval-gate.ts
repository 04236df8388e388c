import { condition } from '@temporalio/workflow';
import { approvalContextOf, countedApprovals } from '../../src/domain/approval.js';
import { nowIso } from '../state.js';
import { MigrationAborted, MigrationRejected, type MigrationRun } from './run.js';

type GateOutcome = 'approved' | 'rejected' | 'expired' | 'aborted';

/**
 * Every cluster runs on Pod Identity with IRSA kept as the fallback: the run's approvers
 * decide whether to clean up IRSA. The gate closes as approved on the run's minimum of
 * distinct approvals (never the requester's), as rejected on any approver's reject.
 * Reminders follow a durable timer until the window closes. Returns `approved`, or `held`
 * when the window ended with `--on-approval-timeout hold`; a Reject, an abort, or a window
 * ending in rollback throws.
 */
export async function approvalGate(run: MigrationRun): Promise<'approved' | 'held'> {
  const outcome = await awaitDecision(run);
  const { state } = run;
  await run.notify('decision', `approval gate: ${outcome}${state.decision ? ` by ${state.decision.by}` : ''}`);
  if (outcome === 'approved') return 'approved';
  if (outcome === 'expired' && run.options.onApprovalTimeout === 'hold') return 'held';
  if (outcome === 'aborted') throw new MigrationAborted(`aborted by ${state.abortRequested?.by ?? 'unknown'}`);
  throw new MigrationRejected(
    outcome === 'rejected' ? `rejected by ${state.decision?.by ?? 'unknown'}` : 'approval window ended (rollback)',
  );
}

async function awaitDecision(run: MigrationRun): Promise<GateOutcome> {
  const { state, options } = run;
  const deadline = Date.now() + options.approvalWindowSeconds * 1000;
  // A campaign approved this run's wave before starting it: that approval is the decision.
  const approved = run.input.campaign?.approval;
  if (approved) {
    const { by, at, reason } = approved;
    state.approvals = [...(state.approvals ?? []), { decision: 'approve', by, at, ...(reason && { reason }) }];
    run.audit('approve', { by, ...(reason && { reason }) });
    state.decision = { decision: 'approve', by, at, ...(reason && { reason }) };
    return 'approved';
  }
  state.approval = { requestedAt: nowIso(), expiresAt: new Date(deadline).toISOString(), remindersSent: 0 };
  run.setPhase('AwaitingApproval');
  await run.notify('approval-requested', `all clusters migrated: waiting for approval to clean up`);
  let approvalsSeen = state.approvals?.length ?? 0;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return 'expired';
    run.sendHeld();
    const woken = await condition(
      () =>
        state.decision !== undefined ||
        state.abortRequested !== undefined ||
        (state.approvals?.length ?? 0) !== approvalsSeen,
      Math.min(remaining, options.approvalReminderSeconds * 1000),
    );
    if (state.abortRequested) return 'aborted';
    if (state.decision) return state.decision.decision === 'approve' ? 'approved' : 'rejected';
    if (woken) {
      // An approval that does not close the gate yet: said in the thread, the request updated.
      approvalsSeen = state.approvals?.length ?? 0;
      const last = state.approvals?.at(-1);
      const counted = countedApprovals(approvalContextOf(state)).length;
      await run.notify(
        'decision',
        `approved by ${last?.by ?? 'unknown'}: ${counted} of ${options.minApprovals ?? 1} approvals`,
      );
      continue;
    }
    if (deadline - Date.now() > 0) {
      state.approval.remindersSent += 1;
      await run.notify('approval-reminder', `reminder: cleanup is still waiting for approval`);
    }
  }
}
