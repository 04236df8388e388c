import type { Logger } from '@slack/bolt';
import { NotAllowedError, ValidationError } from '../../src/domain/errors.js';
import { MigrationRequestError } from '../../src/temporal/migrations.js';
import { wasAudited } from '../audit.js';
import type { SlackMessage } from '../views/block-kit.js';
import { errorReply } from '../views/command-replies.js';

/** A failed request as the ephemeral reply the user sees; unexpected errors are logged too. */
export function replyForError(err: unknown, logger: Logger, what: string): SlackMessage {
  if (err instanceof ValidationError || err instanceof MigrationRequestError || err instanceof NotAllowedError) {
    if (err instanceof NotAllowedError && !wasAudited(err)) logger.warn(`${what}: refused: ${err.message}`);
    return errorReply(err.message);
  }
  logger.error(`${what} failed`, err);
  return errorReply(`${what} failed: ${err instanceof Error ? err.message : String(err)}`);
}
