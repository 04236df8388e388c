import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { tokenize } from '../../../src/start-request/parse.js';
import { mayOpenForm } from '../../access.js';
import { postToResponseUrl } from '../../adapters/response-url.js';
import { entryFor, logDone, markAudited, recordRefusal } from '../../audit.js';
import { MAX_COMMAND_TEXT, unescapeCommandText } from '../../command-text.js';
import type { ListenerDeps } from '../../deps.js';
import { replyForError } from '../../operations/errors.js';
import { campaignCommand } from '../../operations/campaign.js';
import { fleetInventory } from '../../operations/inventory.js';
import { startDiagnosis } from '../../operations/diagnose.js';
import { controlMigration, migrationStatus, planMigration, runningMigrations } from '../../operations/queries.js';
import { launchMigration, NotAllowedError, prepareStart, type Requester } from '../../operations/start-migration.js';
import type { SlackMessage } from '../../views/block-kit.js';
import { errorReply, helpReply } from '../../views/command-replies.js';
import { fitMessage } from '../../views/limits.js';
import { startModal } from '../../views/start-modal.js';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/**
 * `/migrate-identity …`: acknowledged at once, whatever Temporal is doing; the answer
 * follows on the command's response_url as an ephemeral message that fits Slack's limits.
 * Work after the ack waits its turn behind other requests still waiting for theirs.
 */
export function migrateIdentityCommand(deps: ListenerDeps) {
  return async ({ ack, command, client, logger }: CommandArgs): Promise<void> => {
    await ack();
    await deps.acks.turn();
    const who: Requester = {
      userId: command.user_id,
      channelId: command.channel_id,
      teamId: command.team_id,
      ...(command.trigger_id && { requestId: command.trigger_id }),
    };
    const raw = command.text ?? '';
    let reply: SlackMessage | undefined;
    // A second answer on the same response_url, once slow work ends (diagnose's matrix).
    let followUp: Promise<SlackMessage> | undefined;
    try {
      reply =
        raw.length > MAX_COMMAND_TEXT
          ? errorReply(
              `the command is ${raw.length.toLocaleString('en-US')} characters long; at most ${MAX_COMMAND_TEXT.toLocaleString('en-US')} are accepted`,
            )
          : await dispatch(unescapeCommandText(raw).trim());
    } catch (err) {
      reply = replyForError(err, logger, `${command.command} ${raw.slice(0, 200)}`.trim());
    }
    if (!reply) return;
    try {
      await deps.acks.turn();
      await postToResponseUrl(command.response_url, { response_type: 'ephemeral', ...fitMessage(reply) });
      if (followUp) {
        const second = await followUp;
        await deps.acks.turn();
        await postToResponseUrl(command.response_url, { response_type: 'ephemeral', ...fitMessage(second) });
      }
    } catch (err) {
      logger.error(`could not answer ${command.command} through response_url`, err);
    }

    async function dispatch(text: string): Promise<SlackMessage | undefined> {
      const ctx = { logger, client };
      if (text === '') {
        await mayOpenForm(deps, who.userId, who.channelId);
        const policy = deps.policy.current();
        await client.views.open({
          trigger_id: command.trigger_id,
          view: startModal(
            deps.fleet.clusters.map((c) => c.name),
            { channel: who.channelId },
            Object.keys(policy?.probes ?? {}),
          ),
        });
        return undefined;
      }
      const [sub = '', ...args] = tokenize(text);
      switch (sub) {
        case 'help':
          return helpReply();
        case 'plan':
          return planMigration(deps, args, who);
        case 'status':
          return migrationStatus(deps, args);
        case 'list':
          return runningMigrations(deps);
        case 'abort':
        case 'pause':
        case 'resume':
          return controlMigration(deps, ctx, sub, args, who);
        case 'inventory':
          return fleetInventory(deps, ctx, args, who);
        case 'campaign':
          return campaignCommand(deps, args, who);
        case 'diagnose': {
          const started = await startDiagnosis(deps, ctx, args, who);
          followUp = started.followUp;
          return started.reply;
        }
        case 'start':
          return start(args);
        default:
          return start([sub, ...args]);
      }
    }

    async function start(tokens: string[]): Promise<SlackMessage> {
      try {
        const input = await prepareStart(deps, tokens, who);
        const { message, started } = await launchMigration(deps, input);
        if (started) logDone(logger, input.serviceAccount, entryFor('start', who));
        return message;
      } catch (err) {
        if (err instanceof NotAllowedError) {
          const subject = tokens.find((t) => !t.startsWith('--') && t.includes('/')) ?? '(unknown)';
          await recordRefusal(deps, { logger, client }, subject.slice(0, 320), {
            ...entryFor('start', who),
            refused: err.message,
          });
          markAudited(err);
        }
        throw err;
      }
    }
  };
}
