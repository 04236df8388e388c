import { Client, Connection } from '@temporalio/client';
import { startSlackApp } from '../../slack/app.js';
import { loadConfig } from '../config/index.js';
import { MigrationService } from '../temporal/migrations.js';

/**
 * `npm run bot`: the Slack app on its own, talking to a Temporal server that a worker
 * (`npm run worker`, with the Slack settings so it posts to Slack) already serves.
 */
async function run(): Promise<void> {
  const config = loadConfig();
  if (!config.slack) {
    throw new Error(
      'Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN); see slack/README.md',
    );
  }
  const connection = await Connection.connect({ address: config.temporal.address });
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    const migrations = new MigrationService(
      client,
      config.temporal.taskQueue,
      config.temporal.uiUrl,
      config.temporal.namespace,
    );
    const app = await startSlackApp(config, { migrations });
    console.log(
      config.slack.appToken
        ? 'migrate-identity Slack app connected (Socket Mode)'
        : `migrate-identity Slack app listening on http://0.0.0.0:${app.port}/slack/events`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await app.stop();
  } finally {
    await connection.close();
  }
}

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
