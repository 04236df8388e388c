import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { digestOf } from '../../../src/domain/migration-digest.js';
import { parseServiceAccountRef } from '../../../src/domain/names.js';
import { MigrationRequestError } from '../../../src/temporal/migrations.js';
import { decisionRefusal } from '../../access.js';
import type { ListenerDeps } from '../../deps.js';
import { APPROVE_ACTION_ID, approvalMessage } from '../../views/approval-message.js';
import { decodeApprovalValue } from '../../views/payload.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/**
 * Approve / Reject on the approval request. Refusals are ephemeral, logged, and change
 * nothing; the workflow's Update validator applies the same rules again.
 */
export function approvalAction(deps: ListenerDeps) {
  return async ({ ack, action, body, respond, client, logger }: ButtonArgs): Promise<void> => {
    await ack();
    const decision = action.action_id === APPROVE_ACTION_ID ? 'approve' : 'reject';
    const userId = body.user.id;
    const read = decodeApprovalValue(action.value);
    const about = read.ok ? read.payload.serviceAccount : '(unknown)';
    const refuse = async (why: string) => {
      logger.warn(`refused ${decision} of ${about} by ${userId}: ${why}`);
      await respond({ response_type: 'ephemeral', replace_original: false, text: `:no_entry: ${why}` });
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
      if (refusal) return await refuse(refusal);
      const decided = await deps.migrations.decide(sa, { decision, by: userId });
      logger.info(`${decision} of ${value.serviceAccount} by ${userId}`);
      const channel = body.channel?.id;
      const ts = body.message?.ts;
      if (channel && ts) {
        // Shown at once; the workflow's notifier updates the same message again.
        await client.chat
          .update({ channel, ts, ...approvalMessage(digestOf(decided)) })
          .catch((err: unknown) => logger.warn(`could not update the approval request: ${(err as Error).message}`));
      }
    } catch (err) {
      if (err instanceof MigrationRequestError) return await refuse(err.message);
      logger.error(`${decision} by ${userId} failed`, err);
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: `:warning: ${decision} failed: ${(err as Error).message}`,
      });
    }
  };
}
