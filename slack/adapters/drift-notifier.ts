import type { DriftNotifierPort, DriftPost } from '../../src/ports/drift-notifier.js';
import { newDriftMessage } from '../views/inventory.js';
import { DEFAULT_SLACK_RETRY, describeSlackError, withSlackRetry, type SlackRetryOptions } from './retry.js';
import type { WebClient } from './web-client.js';

/** Posts new drift to one channel (`SLACK_DRIFT_CHANNEL`); a failed post is a warning. */
export function createSlackDriftNotifier(
  client: WebClient,
  options: { channel: string; runUrl: (workflowId: string) => string; retry?: Partial<SlackRetryOptions> },
): DriftNotifierPort {
  const retry = { ...DEFAULT_SLACK_RETRY, ...options.retry };
  return {
    async postNewDrift(post: DriftPost) {
      const message = newDriftMessage(post, options.runUrl(post.workflowId));
      try {
        await withSlackRetry(
          () => client.chat.postMessage({ channel: options.channel, ...message, unfurl_links: false }),
          retry,
        );
        return {};
      } catch (err) {
        return { warning: `slack: posting new drift to ${options.channel} failed: ${describeSlackError(err)}` };
      }
    },
  };
}
