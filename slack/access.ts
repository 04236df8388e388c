import { approvalContextOf, decisionRefusal as approvalRefusal, describeRefusal } from '../src/domain/approval.js';
import type { MigrationState } from '../src/domain/migration-state.js';
import type { ListenerDeps } from './deps.js';

/** Starting (and the form) may be limited to listed users, user groups or channels. */
export async function mayStart(deps: ListenerDeps, userId: string, channelId: string | undefined): Promise<boolean> {
  const allowed = deps.allowedStarters;
  if (allowed.length === 0) return true;
  if (channelId && allowed.includes(channelId)) return true;
  return deps.directory.includesUser(allowed, userId);
}

/** Whoever may start may abort; so may the run's requester and approvers. */
export async function mayAbort(
  deps: ListenerDeps,
  state: MigrationState,
  userId: string,
  channelId: string | undefined,
): Promise<boolean> {
  if (state.input.requestedBy === userId || state.input.options.approvers.includes(userId)) return true;
  return mayStart(deps, userId, channelId);
}

/**
 * Why `userId` may not decide this run, or undefined when they may: the workflow's Update
 * validator applies the same rules (src/domain/approval.ts), checked here first so a
 * refusal costs no workflow call, and worded for the person who clicked.
 */
export function decisionRefusal(
  state: MigrationState,
  userId: string,
  decision: 'approve' | 'reject',
): string | undefined {
  const context = approvalContextOf(state);
  const attempt = { by: userId, decision };
  const refusal = approvalRefusal(context, attempt);
  if (refusal?.reason === 'not-an-approver') return 'you are not an approver of this migration';
  if (refusal?.reason === 'own-migration') {
    return 'you requested this migration, so you cannot approve it: another approver has to';
  }
  return refusal && describeRefusal(refusal, attempt, context);
}
