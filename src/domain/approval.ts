import type { Decision, MigrationPhase, MigrationState } from './migration-state.js';

/** What the approval rules look at: where the run stands and who is involved. */
export interface ApprovalContext {
  phase: MigrationPhase;
  decision?: Pick<Decision, 'decision' | 'by'>;
  approvers: readonly string[];
  requestedBy: string;
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
  return {
    phase: state.phase,
    decision: state.decision,
    approvers: state.input.options.approvers,
    requestedBy: state.input.requestedBy,
  };
}

/**
 * Why this decision may not be taken, or undefined when it may: a run is decided once,
 * only while it awaits approval, only approve or reject, only by one of its approvers, and
 * its requester may reject it but never approve it.
 */
export function decisionRefusal(context: ApprovalContext, attempt: DecisionAttempt): DecisionRefusal | undefined {
  if (context.decision) return { reason: 'already-decided', decided: context.decision };
  if (context.phase !== 'AwaitingApproval') return { reason: 'not-awaiting-approval', phase: context.phase };
  if (attempt.decision !== 'approve' && attempt.decision !== 'reject') return { reason: 'unknown-decision' };
  if (!context.approvers.includes(attempt.by)) return { reason: 'not-an-approver' };
  if (attempt.decision === 'approve' && attempt.by === context.requestedBy) return { reason: 'own-migration' };
  return undefined;
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
      return `${attempt.by} is not an approver of this migration (approvers: ${context.approvers.join(', ')})`;
    case 'own-migration':
      return `${attempt.by} requested this migration and cannot approve it`;
  }
}
