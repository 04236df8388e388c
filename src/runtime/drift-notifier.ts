import type { Config } from '../config/index.js';
import type { DriftNotifierPort } from '../ports/drift-notifier.js';
import { combineDriftNotifiers, createConsoleDriftNotifier } from '../adapters/console-drift-notifier.js';
import { runUrl } from '../domain/run-url.js';

/** Where the worker posts new drift: the log always, and `SLACK_DRIFT_CHANNEL` when set (the Slack SDK loaded only then). */
export async function createDriftNotifier(
  config: Config,
  options: { log: (line: string) => void },
): Promise<DriftNotifierPort> {
  const console = createConsoleDriftNotifier(options.log);
  const channel = config.slack?.driftChannel;
  if (!config.slack || !channel) return console;
  const [{ createSlackWebClient }, { createSlackDriftNotifier }] = await Promise.all([
    import('../../slack/adapters/web-client.js'),
    import('../../slack/adapters/drift-notifier.js'),
  ]);
  const { uiUrl, namespace } = config.temporal;
  const slack = createSlackDriftNotifier(createSlackWebClient(config.slack), {
    channel,
    runUrl: (id) => runUrl(uiUrl, namespace, id),
  });
  return combineDriftNotifiers([console, slack]);
}
