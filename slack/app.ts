import { App, HTTPReceiver, type Logger } from '@slack/bolt';
import { Client, Connection } from '@temporalio/client';
import type { AddressInfo } from 'node:net';
import { slackClientOptions } from './adapters/web-client.js';
import { createSlackDirectory } from './adapters/directory.js';
import type { Config } from '../src/config/index.js';
import { temporalConnectionOptions } from '../src/temporal/connection.js';
import { MigrationService } from '../src/temporal/migrations.js';
import { ScanService } from '../src/temporal/scans.js';
import { DiagnoseService } from '../src/temporal/diagnoses.js';
import type { DiagnosesApi, ListenerDeps, MigrationsApi, ScansApi, SlackAppDeps } from './deps.js';
import { requestGuard } from './guard.js';
import { registerListeners } from './listeners/index.js';
import { lineLogger } from './logger.js';
import { boltLogger } from '../src/observability/bolt-logger.js';
import { instrumentSlackApp } from '../src/observability/slack-instrumentation.js';
import { tracingClientInterceptors } from '../src/observability/tracing.js';

export type { MigrationsApi, SlackAppDeps } from './deps.js';

export type SlackSettings = NonNullable<Config['slack']>;

export const EVENTS_PATH = '/slack/events';

// User group lookups happen while Slack waits for an ack: fail fast rather than retry long.
const DIRECTORY_RETRY = { maxAttempts: 2, backoffMs: 200, maxRetryAfterMs: 1000, budgetMs: 1500 };

/**
 * The Bolt app: HTTP mode (`POST /slack/events`, signatures verified) unless an app-level
 * token selects Socket Mode. Not started; `startSlackApp` starts it.
 */
export function createSlackApp(
  slack: SlackSettings,
  fleet: Config['fleet'],
  deps: { migrations: MigrationsApi; scans?: ScansApi; diagnoses?: DiagnosesApi; logger?: Logger },
): App {
  const logger = deps.logger;
  const clientOptions = slackClientOptions(slack, logger);
  const common = {
    token: slack.botToken,
    clientOptions,
    // auth.test runs in init(), so a bad token fails the start instead of every request.
    deferInitialization: true,
    ...(logger ? { logger } : {}),
  };
  const app = slack.appToken
    ? new App({ ...common, appToken: slack.appToken, socketMode: true })
    : new App({
        ...common,
        receiver: new HTTPReceiver({
          signingSecret: slack.signingSecret,
          endpoints: EVENTS_PATH,
          ...(logger ? { logger } : {}),
          customRoutes: [
            {
              path: '/healthz',
              method: 'GET',
              handler: (_req, res) => {
                res.writeHead(200, { 'content-type': 'text/plain' });
                res.end('ok');
              },
            },
          ],
        }),
      });
  const listenerDeps: ListenerDeps = {
    migrations: deps.migrations,
    ...(deps.scans ? { scans: deps.scans } : {}),
    ...(deps.diagnoses ? { diagnoses: deps.diagnoses } : {}),
    fleet,
    directory: createSlackDirectory(app.client, { retry: DIRECTORY_RETRY }),
    approvers: slack.approvers,
    allowedStarters: slack.allowedStarters,
  };
  app.use(requestGuard(slack));
  registerListeners(app, listenerDeps);
  app.error((error) => {
    app.logger.error('unhandled error in a Slack listener', error);
    return Promise.resolve();
  });
  return app;
}

/**
 * Starts the Slack app for `npm start` / `npm run bot`. HTTP mode listens on
 * `config.slack.port` (0: any free port, returned as `port`); Socket Mode returns port 0.
 */
export async function startSlackApp(
  config: Config,
  deps: SlackAppDeps = {},
): Promise<{ stop(): Promise<void>; port: number }> {
  const slack = config.slack;
  if (!slack) {
    throw new Error('Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN)');
  }
  const logger =
    deps.logger ?? (deps.appLogger ? boltLogger(deps.appLogger) : deps.log ? lineLogger(deps.log) : undefined);
  let connection: Connection | undefined;
  let migrations = deps.migrations;
  let scans = deps.scans;
  let diagnoses = deps.diagnoses;
  if (!migrations) {
    const { namespace, taskQueue, uiUrl } = config.temporal;
    connection = await Connection.connect(temporalConnectionOptions(config.temporal));
    const client = new Client({ connection, namespace, interceptors: tracingClientInterceptors() });
    migrations = new MigrationService(client, taskQueue, uiUrl, namespace);
    scans ??= new ScanService(client, taskQueue, uiUrl, namespace);
    diagnoses ??= new DiagnoseService(client, taskQueue, uiUrl, namespace);
  }
  try {
    const app = createSlackApp(slack, config.fleet, {
      migrations,
      ...(scans ? { scans } : {}),
      ...(diagnoses ? { diagnoses } : {}),
      ...(logger ? { logger } : {}),
    });
    const requests = instrumentSlackApp(app, { metrics: deps.metrics, tracer: deps.tracer, logger: deps.appLogger });
    await app.init();
    // Stop accepting first, then let requests already acked finish their work (a workflow
    // start, a reply on response_url) before the Temporal connection closes under them.
    const stop = async () => {
      await (app.stop() as Promise<void>);
      await requests.drain(deps.shutdownGraceMs ?? 10_000);
      await connection?.close();
    };
    if (slack.appToken) {
      await app.start();
      return { port: 0, stop };
    }
    const host = deps.host ?? slack.host;
    const server = await app.start({ port: slack.port, ...(host ? { host } : {}) });
    const port = (server.address() as AddressInfo | null)?.port ?? slack.port;
    return { port, stop };
  } catch (err) {
    await connection?.close();
    throw err;
  }
}
