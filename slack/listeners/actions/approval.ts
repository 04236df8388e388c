import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { approvalContextOf, countedApprovals } from '../../../src/domain/approval.js';
import { digestOf } from '../../../src/domain/migration-digest.js';
import type { MigrationState } from '../../../src/domain/migration-state.js';
import { parseServiceAccountRef } from '../../../src/domain/names.js';
import { MigrationRequestError } from '../../../src/temporal/migrations.js';
import { decisionRefusal } from '../../access.js';
import { entryFor, logDone, recordRefusal } from '../../audit.js';
import type { ListenerDeps } from '../../deps.js';
import { APPROVE_ACTION_ID, approvalMessage } from '../../views/approval-message.js';
import { truncate } from '../../views/format.js';
import { decodeApprovalValue } from '../../views/payload.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/**
 * Approve / Reject on the approval request. Refusals are ephemeral, recorded in the run's
 * audit trail, and change nothing; the workflow's Update validator applies the same rules
 * again. The click's trigger id is the Update's id: a repeated click request acts once.
 */
export function approvalAction(deps: ListenerDeps) {
  return async ({ ack, action, body, respond, client, logger }: ButtonArgs): Promise<void> => {
    await ack();
    await deps.acks.turn();
    const decision = action.action_id === APPROVE_ACTION_ID ? 'approve' : 'reject';
    const userId = body.user.id;
    const who = { userId, channelId: body.channel?.id, requestId: body.trigger_id };
    const read = decodeApprovalValue(action.value);
    const tell = async (text: string): Promise<void> => {
      await respond({ response_type: 'ephemeral', replace_original: false, text: truncate(text, 2900) });
    };
    const refuse = async (why: string, state?: MigrationState) => {
      await recordRefusal(
        deps,
        { logger, client },
        read.ok ? read.payload.serviceAccount : '(unknown)',
        { ...entryFor(decision, who), refused: why },
        state,
      );
      await tell(`:no_entry: ${why}`);
    };
    try {
      if (!read.ok) return await refuse(read.refusal);
      const value = read.payload;
      const sa = parseServiceAccountRef(value.serviceAccount);
      const state = await deps.migrations.state(sa);
      if (state.startedAt !== value.startedAt) {
        return await refuse(`this approval request belongs to an earlier run of ${value.serviceAccount}`);
      }
      const refusal = decisionRefusal(state, userId, decision);
      if (refusal) return await refuse(refusal, state);
      const decided = await deps.migrations.decide(sa, {
        decision,
        by: userId,
        via: 'slack',
        ...(who.channelId && { channel: who.channelId }),
        ...(who.requestId && { requestId: who.requestId }),
      });
      logDone(logger, sa, entryFor(decision, who));
      if (!decided.decision) {
        const counted = countedApprovals(approvalContextOf(decided)).length;
        await tell(
          `:white_check_mark: Your approval is recorded: ${counted} of ${decided.input.options.minApprovals ?? 1} needed.`,
        );
      }
      const channel = body.channel?.id;
      const ts = body.message?.ts;
      if (channel && ts) {
        // Shown at once; the workflow's notifier updates the same message again.
        await client.chat
          .update({ channel, ts, ...approvalMessage(digestOf(decided)) })
          .catch((err: unknown) => logger.warn(`could not update the approval request: ${(err as Error).message}`));
      }
    } catch (err) {
      if (err instanceof MigrationRequestError) return await tell(`:no_entry: ${err.message}`);
      logger.error(`${decision} by ${userId} failed`, err);
      await tell(`:warning: ${decision} failed: ${(err as Error).message}`);
    }
  };
}
