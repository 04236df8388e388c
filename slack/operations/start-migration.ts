import { authorizeStart, startingRule } from '../../src/access/start.js';
import { buildMigrationInput } from '../../src/start-request/parse.js';
import { NotAllowedError } from '../../src/domain/errors.js';
import { formatServiceAccountRef } from '../../src/domain/names.js';
import type { MigrationInput } from '../../src/domain/types.js';
import { MigrationRequestError } from '../../src/temporal/migrations.js';
import { policyOrRefuse } from '../access.js';
import type { ListenerDeps } from '../deps.js';
import type { SlackMessage } from '../views/block-kit.js';
import { startedReply, statusReply } from '../views/command-replies.js';

export { NotAllowedError };

export interface Requester {
  userId: string;
  channelId: string;
  teamId?: string;
  /** The command's or form's trigger id: one per user action. */
  requestId?: string;
}

/**
 * Validates a start exactly like the CLI does, then against the access policy: the rule
 * for the namespace and clusters must list the requester (or the channel) as a starter;
 * the run's approvers are the rule's (user groups resolved to their members), narrowed by
 * `--approvers`, never widened; probes only from the rule's allow-list. Throws
 * ValidationError or NotAllowedError; nothing has started yet.
 */
export async function prepareStart(deps: ListenerDeps, tokens: string[], who: Requester): Promise<MigrationInput> {
  const policy = policyOrRefuse(deps);
  const input = buildMigrationInput(tokens, {
    fleet: deps.fleet,
    requestedBy: who.userId,
    approversFromPolicy: true,
    notify: { slack: { channel: who.channelId, ...(who.teamId ? { teamId: who.teamId } : {}) } },
  });
  const authorized = await authorizeStart(policy, deps.directory, input, { id: who.userId, channel: who.channelId });
  return {
    ...authorized,
    origin: { via: 'slack', channel: who.channelId, ...(who.requestId && { requestId: who.requestId }) },
  };
}

/** `plan` runs preflight only, but still only for those the policy lets start that service account there. */
export async function preparePlan(deps: ListenerDeps, tokens: string[], who: Requester): Promise<MigrationInput> {
  const policy = policyOrRefuse(deps);
  const input = buildMigrationInput(tokens, {
    fleet: deps.fleet,
    requestedBy: who.userId,
    requireApprovers: false,
    approversFromPolicy: true,
  });
  await startingRule(
    policy,
    deps.directory,
    { namespace: input.serviceAccount.namespace, clusters: input.clusters },
    { id: who.userId, channel: who.channelId },
  );
  return input;
}

/** Starts the run; a second start for the same service account answers with the running one. */
export async function launchMigration(
  deps: ListenerDeps,
  input: MigrationInput,
): Promise<{ message: SlackMessage; started: boolean }> {
  const sa = formatServiceAccountRef(input.serviceAccount);
  try {
    const run = await deps.migrations.start(input);
    return { message: startedReply(sa, run.url, input), started: true };
  } catch (err) {
    if (!(err instanceof MigrationRequestError) || err.code !== 'already-running') throw err;
    const state = await deps.migrations.state(input.serviceAccount);
    const message = statusReply(
      state,
      deps.migrations.url(state.workflowId),
      `A migration of ${sa} is already running:`,
    );
    return { message, started: false };
  }
}
