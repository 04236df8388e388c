import type { Config } from '../config/index.js';
import type { NotifierPort } from '../ports/notifier.js';
import { createCompositeNotifier } from '../adapters/composite-notifier.js';
import { createConsoleNotifier } from '../adapters/console-notifier.js';
import { campaignListUrl, runUrl } from '../domain/run-url.js';
import { createLogNotifier } from '../observability/log-notifier.js';
import type { AppLogger } from '../observability/logger.js';

/**
 * The worker's notifier from configuration: a line per event always (JSON through `logger`
 * when given, else a human line to `log`), and Slack too when it is configured (events
 * without a Slack target, e.g. CLI runs, stay log-only). The Slack SDK is loaded only then
 * (a quarter of what `npm start` imports).
 */
export async function createWorkerNotifier(
  config: Config,
  options: { log: (line: string) => void; logger?: AppLogger; runUrl?: (workflowId: string) => string },
): Promise<NotifierPort> {
  const consoleNotifier = options.logger ? createLogNotifier(options.logger) : createConsoleNotifier(options.log);
  if (!config.slack) return consoleNotifier;
  const [{ createSlackWebClient }, { createSlackNotifier }] = await Promise.all([
    import('../../slack/adapters/web-client.js'),
    import('../../slack/adapters/notifier.js'),
  ]);
  const { uiUrl, namespace } = config.temporal;
  const slack = createSlackNotifier(createSlackWebClient(config.slack), {
    runUrl: options.runUrl ?? ((id: string, runId?: string) => runUrl(uiUrl, namespace, id, runId)),
    campaignListUrl: (id: string) => campaignListUrl(uiUrl, namespace, id),
    logger: {
      warn: (message) =>
        options.logger
          ? options.logger.warn({ source: 'slack-notifier' }, message)
          : options.log(`slack notifier: ${message}`),
    },
  });
  return createCompositeNotifier([consoleNotifier, slack]);
}
