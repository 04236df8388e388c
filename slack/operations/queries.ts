import type { Logger } from '@slack/bolt';
import { ValidationError } from '../../src/domain/errors.js';
import { formatServiceAccountRef, parseServiceAccountRef } from '../../src/domain/names.js';
import type { ServiceAccountRef } from '../../src/domain/types.js';
import { operateRefusalFor } from '../access.js';
import type { WebClient } from '../adapters/web-client.js';
import { entryFor, logDone, markAudited, recordRefusal, type SlackAsker } from '../audit.js';
import type { ListenerDeps } from '../deps.js';
import type { SlackMessage } from '../views/block-kit.js';
import { controlReply, listReply, planReply, statusReply } from '../views/command-replies.js';
import { NotAllowedError, preparePlan, type Requester } from './start-migration.js';

/** The one `<namespace>/<service-account>` argument of status and abort. */
export function serviceAccountArgument(args: string[], sub: string): ServiceAccountRef {
  if (args.length !== 1) throw new ValidationError(`usage: ${sub} <namespace>/<service-account>`, 'serviceAccount');
  return parseServiceAccountRef(args[0] ?? '');
}

export async function planMigration(deps: ListenerDeps, args: string[], who: Requester): Promise<SlackMessage> {
  const input = await preparePlan(deps, args, who);
  return planReply(await deps.migrations.plan(input));
}

export async function migrationStatus(deps: ListenerDeps, args: string[]): Promise<SlackMessage> {
  const state = await deps.migrations.state(serviceAccountArgument(args, 'status'));
  return statusReply(state, deps.migrations.url(state.workflowId));
}

export async function runningMigrations(deps: ListenerDeps): Promise<SlackMessage> {
  return listReply(await deps.migrations.list({ runningOnly: true }));
}

export type ControlAction = 'abort' | 'pause' | 'resume';

/**
 * Abort, pause or resume: for the run's requester, approvers and its access rule's
 * operators. A refusal is recorded in the run's audit trail; a repeat of the same request
 * (its trigger id) acts once.
 */
export async function controlMigration(
  deps: ListenerDeps,
  ctx: { logger: Logger; client: WebClient },
  action: ControlAction,
  args: string[],
  who: SlackAsker,
): Promise<SlackMessage> {
  const sa = serviceAccountArgument(args, action);
  const state = await deps.migrations.state(sa);
  const refusal = await operateRefusalFor(deps, state, who.userId);
  if (refusal) {
    await recordRefusal(deps, ctx, sa, { ...entryFor(action, who), refused: refusal }, state);
    const err = new NotAllowedError(`you may not ${action} this migration: ${refusal}`);
    markAudited(err);
    throw err;
  }
  const request = {
    by: who.userId,
    via: 'slack' as const,
    ...(who.channelId && { channel: who.channelId }),
    ...(who.requestId && { requestId: who.requestId }),
  };
  if (action === 'abort') await deps.migrations.abort(sa, request);
  else if (action === 'pause') await deps.migrations.pause(sa, request);
  else await deps.migrations.resume(sa, request);
  logDone(ctx.logger, sa, entryFor(action, who));
  return controlReply(action, formatServiceAccountRef(sa), deps.migrations.url(state.workflowId));
}
