import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { NotAllowedError, ValidationError } from '../../../src/domain/errors.js';
import { entryFor, logDone, recordRefusal } from '../../audit.js';
import type { ListenerDeps } from '../../deps.js';
import { replyForError } from '../../operations/errors.js';
import { launchMigration, prepareStart } from '../../operations/start-migration.js';
import type { SlackMessage } from '../../views/block-kit.js';
import { truncate } from '../../views/format.js';
import { fitMessage } from '../../views/limits.js';
import { decodeStartModalMetadata } from '../../views/payload.js';
import { blockForField, FIELD, startModalTokens } from '../../views/start-modal.js';

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * The start form's submit. Validation runs before the ack so problems show on their
 * fields (`response_action: errors`); the start itself runs after it.
 */
export function startMigrationSubmission(deps: ListenerDeps) {
  return async ({ ack, view, body, client, logger }: SubmitArgs): Promise<void> => {
    const read = decodeStartModalMetadata(view.private_metadata);
    if (!read.ok) {
      // Shown on the form, to the one who submitted it.
      logger.warn(`refused a start form from ${body.user.id}: ${read.refusal}`);
      await ack({ response_action: 'errors', errors: { [FIELD.serviceAccount]: truncate(read.refusal, 300) } });
      return;
    }
    const meta = read.payload;
    const who = {
      userId: body.user.id,
      channelId: meta.channel,
      teamId: body.team?.id,
      ...(body.trigger_id && { requestId: body.trigger_id }),
    };
    const tokens = startModalTokens(view.state.values);
    let input;
    try {
      input = await prepareStart(deps, tokens, who);
    } catch (err) {
      const field = err instanceof ValidationError ? blockForField(err.field) : FIELD.serviceAccount;
      if (!(err instanceof ValidationError || err instanceof NotAllowedError)) logger.error('start form failed', err);
      else if (err instanceof NotAllowedError) {
        await recordRefusal(deps, { logger, client }, (tokens[0] ?? '(unknown)').slice(0, 320), {
          ...entryFor('start', who),
          refused: err.message,
        });
      }
      await ack({ response_action: 'errors', errors: { [field]: truncate((err as Error).message, 300) } });
      return;
    }
    await ack();
    await deps.acks.turn();
    let reply: SlackMessage;
    try {
      const launched = await launchMigration(deps, input);
      if (launched.started) logDone(logger, input.serviceAccount, entryFor('start', who));
      reply = launched.message;
    } catch (err) {
      reply = replyForError(err, logger, 'start');
    }
    await client.chat
      .postEphemeral({ channel: meta.channel, user: who.userId, ...fitMessage(reply) })
      .catch((err: unknown) =>
        logger.warn(`could not tell ${who.userId} about their start: ${(err as Error).message}`),
      );
  };
}
