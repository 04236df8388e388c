import { operateRefusal } from '../src/access/operate.js';
import { approvalContextOf, decisionRefusal as approvalRefusal, describeRefusal } from '../src/domain/approval.js';
import { principalIds, viewersOf } from '../src/domain/access-policy.js';
import { NotAllowedError } from '../src/domain/errors.js';
import type { MigrationState } from '../src/domain/migration-state.js';
import type { AccessPolicy } from '../src/domain/access-policy.js';
import type { ListenerDeps } from './deps.js';

/** What a Slack user is told while no access policy is configured: deny by default. */
export const NO_POLICY_MESSAGE =
  'Nothing can be started from Slack yet: no access policy is configured. The platform team sets ' +
  'MIGRATE_IDENTITY_ACCESS_POLICY (or accessPolicy in the fleet file) to a file like access-policy.example.yaml, ' +
  'then restarts the app or sends it SIGHUP.';

/** What a Slack user is told about what they asked to see while no access policy is configured. */
const noPolicyViewMessage = (what: string) =>
  `${what[0]?.toUpperCase() ?? ''}${what.slice(1)} not shown in Slack yet: no access policy is configured. The platform team sets ` +
  'MIGRATE_IDENTITY_ACCESS_POLICY (or accessPolicy in the fleet file) to a file like access-policy.example.yaml, ' +
  'then restarts the app or sends it SIGHUP.';

/** What a Slack user is told about the fleet inventory while no access policy is configured. */
export const NO_POLICY_VIEW_MESSAGE = noPolicyViewMessage('the fleet inventory is');

/** The policy in force; without one, Slack starts nothing (NotAllowedError saying how to configure it). */
export function policyOrRefuse(deps: ListenerDeps): AccessPolicy {
  const policy = deps.policy.current();
  if (!policy) throw new NotAllowedError(NO_POLICY_MESSAGE);
  return policy;
}

/** The start form opens for those whom some rule lets start (the service account is not known yet). */
export async function mayOpenForm(deps: ListenerDeps, userId: string, channelId: string | undefined): Promise<void> {
  const policy = policyOrRefuse(deps);
  for (const { starters } of policy.rules) {
    if (starters.anyone || (channelId !== undefined && starters.channels.includes(channelId))) return;
    if (await deps.directory.includesUser(principalIds(starters), userId)) return;
  }
  throw new NotAllowedError(
    'you are not allowed to start migrations: no access policy rule lists you (or this channel) as a starter',
  );
}

/**
 * Why `userId` may not view the fleet inventory (`view`: the inventory summary, the App
 * Home tab, a diagnosis), or undefined when they may: the policy's viewers, by default
 * everyone its rules name. Without a policy nobody may. `what` names it in the refusal.
 */
export async function viewRefusal(
  deps: ListenerDeps,
  userId: string,
  channelId: string | undefined,
  what: { noun: string; verb: string } = { noun: 'the fleet inventory is', verb: 'view the fleet inventory' },
): Promise<string | undefined> {
  const policy = deps.policy.current();
  if (!policy) return noPolicyViewMessage(what.noun);
  const viewers = viewersOf(policy);
  if (viewers.anyone || (channelId !== undefined && viewers.channels.includes(channelId))) return undefined;
  if (await deps.directory.includesUser(principalIds(viewers), userId)) return undefined;
  return policy.viewers
    ? `you may not ${what.verb}: the access policy’s viewers do not include you (or this channel)`
    : `you may not ${what.verb}: the access policy gives you no role (its starters, approvers and operators may view)`;
}

/** Abort, pause and resume (and, while observing, roll back or end it): the run's requester, its approvers and its rule's operators. */
export async function operateRefusalFor(
  deps: ListenerDeps,
  state: MigrationState,
  userId: string,
  what?: string,
): Promise<string | undefined> {
  return operateRefusal(state.input, userId, deps.directory, deps.policy.current(), what);
}

/**
 * Why `userId` may not decide this run, or undefined when they may: the workflow's Update
 * validator applies the same rules (src/domain/approval.ts) to the approvers the run was
 * started with, checked here first so a refusal costs no workflow call, and worded for the
 * person who clicked.
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
