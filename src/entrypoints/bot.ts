import { startSlackApp } from '../../slack/app.js';
import { loadConfig } from '../config/index.js';

/**
 * `npm run bot`: the Slack app on its own, talking to the Temporal server that a worker
 * (`npm run worker`, with the same Slack settings so it posts to Slack) serves.
 */
async function run(): Promise<void> {
  const config = loadConfig();
  if (!config.slack) {
    throw new Error(
      'Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN); see slack/README.md',
    );
  }
  const app = await startSlackApp(config, { log: (line) => console.log(line) });
  try {
    console.log(
      config.slack.appToken
        ? 'migrate-identity Slack app connected (Socket Mode)'
        : `migrate-identity Slack app listening on port ${app.port}, path /slack/events`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  } finally {
    await app.stop();
  }
}

run().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
