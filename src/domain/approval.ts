import type { Approval, Decision, MigrationPhase, MigrationState } from './migration-state.js';

/** What the approval rules look at: where the run stands, who is involved, who approved so far. */
export interface ApprovalContext {
  phase: MigrationPhase;
  decision?: Pick<Decision, 'decision' | 'by'>;
  /** The run's approvers, fixed when it started (the access policy's, narrowed by the request). */
  approvers: readonly string[];
  requestedBy: string;
  /** Distinct approvals that close the gate; 1 when absent. */
  minApprovals?: number;
  approvals?: readonly Pick<Approval, 'decision' | 'by'>[];
}

/** A decision someone asks for; `decision` is unchecked (it may come from any Update caller). */
export interface DecisionAttempt {
  by: string;
  decision: string;
}

export type DecisionRefusal =
  | { reason: 'already-decided'; decided: Pick<Decision, 'decision' | 'by'> }
  | { reason: 'not-awaiting-approval'; phase: MigrationPhase }
  | { reason: 'unknown-decision' }
  | { reason: 'not-an-approver' }
  | { reason: 'own-migration' };

export function approvalContextOf(state: MigrationState): ApprovalContext {
  const { minApprovals } = state.input.options;
  return {
    phase: state.phase,
    decision: state.decision,
    approvers: state.input.options.approvers,
    requestedBy: state.input.requestedBy,
    ...(minApprovals !== undefined && { minApprovals }),
    ...(state.approvals?.length && { approvals: state.approvals }),
  };
}

/**
 * Why this decision may not be taken, or undefined when it may: a run is decided once,
 * only while it awaits approval, only approve or reject, only by one of its approvers, and
 * its requester may reject it but never approve it. The same approver approving again is
 * not refused: it counts once.
 */
export function decisionRefusal(context: ApprovalContext, attempt: DecisionAttempt): DecisionRefusal | undefined {
  if (context.decision) return { reason: 'already-decided', decided: context.decision };
  if (context.phase !== 'AwaitingApproval') return { reason: 'not-awaiting-approval', phase: context.phase };
  if (attempt.decision !== 'approve' && attempt.decision !== 'reject') return { reason: 'unknown-decision' };
  if (!context.approvers.includes(attempt.by)) return { reason: 'not-an-approver' };
  if (attempt.decision === 'approve' && attempt.by === context.requestedBy) return { reason: 'own-migration' };
  return undefined;
}

/** The distinct approvers (never the requester) who approved, in the order they did. */
export function countedApprovals(context: ApprovalContext): string[] {
  const counted: string[] = [];
  for (const a of context.approvals ?? []) {
    if (a.decision === 'approve' && a.by !== context.requestedBy && !counted.includes(a.by)) counted.push(a.by);
  }
  return counted;
}

/** How the gate stands after these approvals: any approver's reject closes it, enough approvals close it. */
export function gateOutcome(context: ApprovalContext): 'approved' | 'rejected' | 'open' {
  if (context.approvals?.some((a) => a.decision === 'reject')) return 'rejected';
  return countedApprovals(context).length >= (context.minApprovals ?? 1) ? 'approved' : 'open';
}

function names(ids: readonly string[], max = 10): string {
  const shown = ids.slice(0, max).join(', ');
  return ids.length > max ? `${shown} and ${ids.length - max} more` : shown;
}

/** A refusal in words about the person who asked: the Update validator's error, which the CLI shows. */
export function describeRefusal(refusal: DecisionRefusal, attempt: DecisionAttempt, context: ApprovalContext): string {
  switch (refusal.reason) {
    case 'already-decided':
      return `already decided: ${refusal.decided.decision} by ${refusal.decided.by}`;
    case 'not-awaiting-approval':
      return `no decision is expected now: the migration is in phase ${refusal.phase}`;
    case 'unknown-decision':
      return `decision must be approve or reject, not ${attempt.decision}`;
    case 'not-an-approver':
      return `${attempt.by} is not an approver of this migration (approvers: ${names(context.approvers)})`;
    case 'own-migration':
      return `${attempt.by} requested this migration and cannot approve it`;
  }
}
