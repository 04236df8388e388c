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
 * Why `userId` may not decide this run, or undefined when they may. The same rules as the
 * workflow's Update validator, checked here first so a refusal costs no workflow call.
 */
export function decisionRefusal(
  state: MigrationState,
  userId: string,
  decision: 'approve' | 'reject',
): string | undefined {
  if (state.decision) return `already decided: ${state.decision.decision} by ${state.decision.by}`;
  if (state.phase !== 'AwaitingApproval')
    return `no decision is expected now: the migration is in phase ${state.phase}`;
  if (!state.input.options.approvers.includes(userId)) return 'you are not an approver of this migration';
  if (decision === 'approve' && userId === state.input.requestedBy) {
    return 'you requested this migration, so you cannot approve it: another approver has to';
  }
  return undefined;
}
