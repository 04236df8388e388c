import { buildMigrationInput } from '../../src/start-request/parse.js';
import { ValidationError } from '../../src/domain/errors.js';
import { formatServiceAccountRef, parseServiceAccountRef } from '../../src/domain/names.js';
import type { ServiceAccountRef } from '../../src/domain/types.js';
import { mayAbort } from '../access.js';
import type { ListenerDeps } from '../deps.js';
import type { SlackMessage } from '../views/block-kit.js';
import { abortReply, listReply, planReply, statusReply } from '../views/command-replies.js';
import { NotAllowedError } from './start-migration.js';

/** The one `<namespace>/<service-account>` argument of status and abort. */
export function serviceAccountArgument(args: string[], sub: string): ServiceAccountRef {
  if (args.length !== 1) throw new ValidationError(`usage: ${sub} <namespace>/<service-account>`, 'serviceAccount');
  return parseServiceAccountRef(args[0] ?? '');
}

export async function planMigration(deps: ListenerDeps, args: string[], userId: string): Promise<SlackMessage> {
  const input = buildMigrationInput(args, { fleet: deps.fleet, requestedBy: userId, requireApprovers: false });
  return planReply(await deps.migrations.plan(input));
}

export async function migrationStatus(deps: ListenerDeps, args: string[]): Promise<SlackMessage> {
  const state = await deps.migrations.state(serviceAccountArgument(args, 'status'));
  return statusReply(state, deps.migrations.url(state.workflowId));
}

export async function runningMigrations(deps: ListenerDeps): Promise<SlackMessage> {
  return listReply(await deps.migrations.list({ runningOnly: true }));
}

export async function abortMigration(
  deps: ListenerDeps,
  args: string[],
  who: { userId: string; channelId?: string },
): Promise<SlackMessage> {
  const sa = serviceAccountArgument(args, 'abort');
  const state = await deps.migrations.state(sa);
  if (!(await mayAbort(deps, state, who.userId, who.channelId))) {
    throw new NotAllowedError(
      'you may not abort this migration: only its requester, its approvers and allowed starters can',
    );
  }
  await deps.migrations.abort(sa, who.userId);
  return abortReply(formatServiceAccountRef(sa), deps.migrations.url(state.workflowId));
}
