import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { tokenize } from '../../../src/start-request/parse.js';
import { mayStart } from '../../access.js';
import { unescapeCommandText } from '../../command-text.js';
import type { ListenerDeps } from '../../deps.js';
import { replyForError } from '../../operations/errors.js';
import { fleetInventory } from '../../operations/inventory.js';
import { startDiagnosis } from '../../operations/diagnose.js';
import { abortMigration, migrationStatus, planMigration, runningMigrations } from '../../operations/queries.js';
import { launchMigration, NotAllowedError, prepareStart, type Requester } from '../../operations/start-migration.js';
import type { SlackMessage } from '../../views/block-kit.js';
import { helpReply } from '../../views/command-replies.js';
import { startModal } from '../../views/start-modal.js';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/**
 * `/migrate-identity …`: acknowledged at once, whatever Temporal is doing; the answer
 * follows through `respond` as an ephemeral message.
 */
export function migrateIdentityCommand(deps: ListenerDeps) {
  return async ({ ack, command, respond, client, logger }: CommandArgs): Promise<void> => {
    await ack();
    const who: Requester = { userId: command.user_id, channelId: command.channel_id, teamId: command.team_id };
    let reply: SlackMessage | undefined;
    // A second answer on the same response_url, once slow work ends (diagnose's matrix).
    let followUp: Promise<SlackMessage> | undefined;
    try {
      reply = await dispatch(unescapeCommandText(command.text ?? '').trim());
    } catch (err) {
      reply = replyForError(err, logger, `${command.command} ${command.text}`.trim());
    }
    if (!reply) return;
    try {
      await respond({ response_type: 'ephemeral', ...reply });
      if (followUp) await respond({ response_type: 'ephemeral', ...(await followUp) });
    } catch (err) {
      logger.error(`could not answer ${command.command} through response_url`, err);
    }

    async function dispatch(text: string): Promise<SlackMessage | undefined> {
      if (text === '') {
        if (!(await mayStart(deps, who.userId, who.channelId))) {
          throw new NotAllowedError('you are not allowed to start migrations (see SLACK_ALLOWED_STARTERS)');
        }
        const clusters = deps.fleet.clusters.map((c) => c.name);
        await client.views.open({
          trigger_id: command.trigger_id,
          view: startModal(clusters, { channel: who.channelId }),
        });
        return undefined;
      }
      const [sub = '', ...args] = tokenize(text);
      switch (sub) {
        case 'help':
          return helpReply();
        case 'plan':
          return planMigration(deps, args, who.userId);
        case 'status':
          return migrationStatus(deps, args);
        case 'list':
          return runningMigrations(deps);
        case 'abort':
          return abortMigration(deps, args, who);
        case 'inventory':
          return fleetInventory(deps, args);
        case 'diagnose': {
          const started = await startDiagnosis(deps, args, who.userId);
          followUp = started.followUp;
          return started.reply;
        }
        case 'start':
          return launchMigration(deps, await prepareStart(deps, args, who));
        default:
          return launchMigration(deps, await prepareStart(deps, [sub, ...args], who));
      }
    }
  };
}
