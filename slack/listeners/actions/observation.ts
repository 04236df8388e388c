import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { MigrationState } from '../../../src/domain/migration-state.js';
import { parseServiceAccountRef } from '../../../src/domain/names.js';
import { MigrationRequestError } from '../../../src/temporal/migrations.js';
import { operateRefusalFor } from '../../access.js';
import { entryFor, logDone, recordRefusal } from '../../audit.js';
import type { ListenerDeps } from '../../deps.js';
import { truncate } from '../../views/format.js';
import { ROLLBACK_ACTION_ID } from '../../views/observation.js';
import { decodeApprovalValue } from '../../views/payload.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/**
 * Roll back / End observation on an observation message. Who may: the run's requester,
 * approvers and its rule's operators (the access policy's operate rule, as for abort);
 * refusals are ephemeral, recorded in the run's audit trail, and change nothing. The
 * workflow's Update validator refuses it outside the Observing phase. The click's trigger id
 * is the Update's id: a repeated click request acts once.
 */
export function observationAction(deps: ListenerDeps) {
  return async ({ ack, action, body, respond, client, logger }: ButtonArgs): Promise<void> => {
    await ack();
    await deps.acks.turn();
    const rollback = action.action_id === ROLLBACK_ACTION_ID;
    const auditAction = rollback ? 'rollback' : 'end-observation';
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
        { ...entryFor(auditAction, who), refused: why },
        state,
      );
      await tell(`:no_entry: ${why}`);
    };
    try {
      if (!read.ok) return await refuse(read.refusal);
      const sa = parseServiceAccountRef(read.payload.serviceAccount);
      const state = await deps.migrations.state(sa);
      if (state.startedAt !== read.payload.startedAt) {
        return await refuse(`this button belongs to an earlier run of ${read.payload.serviceAccount}`);
      }
      const refusal = await operateRefusalFor(deps, state, userId, 'roll back or end the observation of');
      if (refusal) return await refuse(refusal, state);
      await deps.migrations.observe(sa, {
        action: rollback ? 'rollback' : 'end',
        by: userId,
        via: 'slack',
        ...(who.channelId && { channel: who.channelId }),
        ...(who.requestId && { requestId: who.requestId }),
      });
      logDone(logger, sa, entryFor(auditAction, who));
      await tell(
        rollback
          ? `:leftwards_arrow_with_hook: Rollback requested: ${read.payload.serviceAccount} goes back to IRSA; the steps follow in this thread.`
          : `:checkered_flag: Observation ended: ${read.payload.serviceAccount} stays on Pod Identity; the run completes with its change record.`,
      );
    } catch (err) {
      if (err instanceof MigrationRequestError) return await tell(`:no_entry: ${err.message}`);
      logger.error(`${auditAction} by ${userId} failed`, err);
      await tell(`:warning: ${auditAction} failed: ${(err as Error).message}`);
    }
  };
}
