import { buildMigrationInput } from '../../src/start-request/parse.js';
import { isUserGroupId } from '../adapters/directory.js';
import { ValidationError } from '../../src/domain/errors.js';
import { formatServiceAccountRef } from '../../src/domain/names.js';
import type { MigrationInput } from '../../src/domain/types.js';
import { MigrationRequestError } from '../../src/temporal/migrations.js';
import { mayStart } from '../access.js';
import type { ListenerDeps } from '../deps.js';
import type { SlackMessage } from '../views/block-kit.js';
import { startedReply, statusReply } from '../views/command-replies.js';

export interface Requester {
  userId: string;
  channelId: string;
  teamId?: string;
}

/** Refused for who is asking, not for what they typed. */
export class NotAllowedError extends Error {
  override readonly name = 'NotAllowedError';
}

/**
 * Validates a start exactly like the CLI does, with the configured approvers (user groups
 * resolved to their members) joining the run's approvers. Throws ValidationError or
 * NotAllowedError; nothing has started yet.
 */
export async function prepareStart(deps: ListenerDeps, tokens: string[], who: Requester): Promise<MigrationInput> {
  if (!(await mayStart(deps, who.userId, who.channelId))) {
    throw new NotAllowedError('you are not allowed to start migrations (see SLACK_ALLOWED_STARTERS)');
  }
  const input = buildMigrationInput(tokens, {
    fleet: deps.fleet,
    requestedBy: who.userId,
    extraApprovers: await deps.directory.expandUsers(deps.approvers),
    notify: { slack: { channel: who.channelId, ...(who.teamId ? { teamId: who.teamId } : {}) } },
  });
  // `--approvers @platform` arrives as a user group id; the workflow checks user ids.
  const approvers = input.options.approvers;
  if (approvers.some(isUserGroupId)) {
    const groups = approvers.filter(isUserGroupId);
    const expanded = [...approvers.filter((a) => !isUserGroupId(a)), ...(await deps.directory.expandUsers(groups))];
    input.options.approvers = [...new Set(expanded)];
    if (!input.options.approvers.some((a) => a !== who.userId)) {
      throw new ValidationError(
        `the approvers' user groups (${groups.join(', ')}) have no member other than you, and you cannot approve your own migration`,
        'approvers',
      );
    }
  }
  return input;
}

/** Starts the run; a second start for the same service account answers with the running one. */
export async function launchMigration(deps: ListenerDeps, input: MigrationInput): Promise<SlackMessage> {
  const sa = formatServiceAccountRef(input.serviceAccount);
  try {
    const run = await deps.migrations.start(input);
    return startedReply(sa, run.url);
  } catch (err) {
    if (!(err instanceof MigrationRequestError) || err.code !== 'already-running') throw err;
    const state = await deps.migrations.state(input.serviceAccount);
    return statusReply(state, deps.migrations.url(state.workflowId), `A migration of ${sa} is already running:`);
  }
}
