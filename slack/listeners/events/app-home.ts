import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { ListenerDeps } from '../../deps.js';
import { fleetHome } from '../../operations/inventory.js';

type HomeArgs = SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs;

/**
 * Publishes the fleet overview when someone opens the app's Home tab (events need no ack),
 * to the access policy's viewers; others get a view saying why.
 */
export function appHomeOpened(deps: ListenerDeps) {
  return async ({ event, client, logger }: HomeArgs): Promise<void> => {
    if (event.tab !== 'home') return;
    try {
      const view = await fleetHome(deps, { logger, client }, { userId: event.user });
      await client.views.publish({ user_id: event.user, view });
    } catch (err) {
      logger.error(`could not publish the Home tab for ${event.user}`, err);
    }
  };
}
