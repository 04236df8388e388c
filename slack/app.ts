import { App, LogLevel, type Logger } from '@slack/bolt';
import { Client, Connection } from '@temporalio/client';
import type { AddressInfo } from 'node:net';
import { slackClientOptions } from './adapters/web-client.js';
import { createSlackDirectory } from './adapters/directory.js';
import { AccessPolicyStore, type Config } from '../src/config/index.js';
import { temporalConnectionOptions } from '../src/temporal/connection.js';
import { MigrationService } from '../src/temporal/migrations.js';
import { CampaignService } from '../src/temporal/campaigns.js';
import { ScanService } from '../src/temporal/scans.js';
import type { CampaignPolicy } from '../src/domain/campaign-policy.js';
import { DiagnoseService } from '../src/temporal/diagnoses.js';
import type { CampaignsApi, DiagnosesApi, ListenerDeps, MigrationsApi, ScansApi, SlackAppDeps } from './deps.js';
import { FreshRequestReceiver } from './fresh-request-receiver.js';
import { AckFirst } from './ack-first.js';
import { requestGuard } from './guard.js';
import { registerListeners } from './listeners/index.js';
import { boltLogger, lineLogger } from './logger.js';
import { instrumentSlackApp } from '../src/observability/slack-instrumentation.js';
import { tracingClientInterceptors } from '../src/observability/tracing.js';

export type { MigrationsApi, SlackAppDeps } from './deps.js';

export type SlackSettings = NonNullable<Config['slack']>;

export const EVENTS_PATH = '/slack/events';

// User group lookups happen while Slack waits for an ack: fail fast rather than retry long.
const DIRECTORY_RETRY = { maxAttempts: 2, backoffMs: 200, maxRetryAfterMs: 1000, budgetMs: 1500 };

/** Bolt's logger for the receiver, which exists before the app does. */
function appLogger(app: () => App): Logger {
  return {
    debug: (...msg: unknown[]) => app().logger.debug(...msg),
    info: (...msg: unknown[]) => app().logger.info(...msg),
    warn: (...msg: unknown[]) => app().logger.warn(...msg),
    error: (...msg: unknown[]) => app().logger.error(...msg),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}

/**
 * The Bolt app: HTTP mode (`POST /slack/events`, signatures verified, stale, future-dated
 * and repeated requests refused before Bolt sees them) unless an app-level token selects
 * Socket Mode. Not started; `startSlackApp` starts it. Without an access policy (`policy`)
 * it starts nothing.
 */
export function createSlackApp(
  slack: SlackSettings,
  fleet: Config['fleet'],
  deps: {
    migrations: MigrationsApi;
    scans?: ScansApi;
    campaigns?: CampaignsApi;
    diagnoses?: DiagnosesApi;
    campaignPolicy?: CampaignPolicy;
    logger?: Logger;
    policy?: AccessPolicyStore;
  },
): App {
  const logger = deps.logger;
  const clientOptions = slackClientOptions(slack, logger);
  const acks = new AckFirst();
  const common = {
    token: slack.botToken,
    clientOptions,
    // No listener keeps conversation state: spare every request the store's work.
    convoStore: false as const,
    // auth.test runs in init(), so a bad token fails the start instead of every request.
    deferInitialization: true,
    ...(logger ? { logger } : {}),
  };
  const app: App = slack.appToken
    ? new App({ ...common, appToken: slack.appToken, socketMode: true })
    : new App({
        ...common,
        receiver: new FreshRequestReceiver(
          {
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
          },
          logger ?? appLogger(() => app),
          { acks },
        ),
      });
  const listenerDeps: ListenerDeps = {
    migrations: deps.migrations,
    ...(deps.scans ? { scans: deps.scans } : {}),
    ...(deps.campaigns ? { campaigns: deps.campaigns } : {}),
    ...(deps.campaignPolicy ? { campaignPolicy: deps.campaignPolicy } : {}),
    ...(deps.diagnoses ? { diagnoses: deps.diagnoses } : {}),
    fleet,
    directory: createSlackDirectory(app.client, { retry: DIRECTORY_RETRY }),
    policy: deps.policy ?? new AccessPolicyStore(undefined, fleet.mode),
    acks,
  };
  app.use(requestGuard(slack));
  registerListeners(app, listenerDeps);
  app.error((error) => {
    app.logger.error('unhandled error in a Slack listener', error);
    return Promise.resolve();
  });
  return app;
}

export interface RunningSlackApp {
  port: number;
  /** Reads the access policy file again (also on SIGHUP while running); new requests see it, runs keep theirs. */
  reloadPolicy(): { ok: boolean; message: string };
  stop(): Promise<void>;
}

/**
 * Starts the Slack app for `npm start` / `npm run bot`. HTTP mode listens on
 * `config.slack.port` (0: any free port, returned as `port`); Socket Mode returns port 0.
 * SIGHUP reloads the access policy while it runs.
 */
export async function startSlackApp(config: Config, deps: SlackAppDeps = {}): Promise<RunningSlackApp> {
  const slack = config.slack;
  if (!slack) {
    throw new Error('Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN)');
  }
  const logger =
    deps.logger ?? (deps.appLogger ? boltLogger(deps.appLogger) : deps.log ? lineLogger(deps.log) : undefined);
  let connection: Connection | undefined;
  let migrations = deps.migrations;
  let scans = deps.scans;
  let campaigns = deps.campaigns;
  let diagnoses = deps.diagnoses;
  if (!migrations) {
    const { namespace, taskQueue, uiUrl } = config.temporal;
    connection = await Connection.connect(temporalConnectionOptions(config.temporal));
    const client = new Client({ connection, namespace, interceptors: tracingClientInterceptors() });
    migrations = new MigrationService(client, taskQueue, uiUrl, namespace);
    scans ??= new ScanService(client, taskQueue, uiUrl, namespace);
    campaigns ??= new CampaignService(client, taskQueue, uiUrl, namespace);
    diagnoses ??= new DiagnoseService(client, taskQueue, uiUrl, namespace);
  }
  const policy = new AccessPolicyStore(config.accessPolicy, config.fleet.mode);
  let onHangup: (() => void) | undefined;
  try {
    const app = createSlackApp(slack, config.fleet, {
      migrations,
      policy,
      ...(scans ? { scans } : {}),
      ...(campaigns ? { campaigns } : {}),
      ...(config.campaignPolicy ? { campaignPolicy: config.campaignPolicy.policy } : {}),
      ...(diagnoses ? { diagnoses } : {}),
      ...(logger ? { logger } : {}),
    });
    const requests = instrumentSlackApp(app, { metrics: deps.metrics, tracer: deps.tracer, logger: deps.appLogger });
    await app.init();
    if (!policy.current()) app.logger.warn(`no access policy: Slack starts nothing until one is configured`);
    const reloadPolicy = () => {
      const result = policy.reload();
      if (result.ok) app.logger.info(result.message);
      else app.logger.error(result.message);
      return result;
    };
    onHangup = () => void reloadPolicy();
    process.on('SIGHUP', onHangup);
    // Stop accepting first, then let requests already acked finish their work (a workflow
    // start, a reply on response_url) before the Temporal connection closes under them.
    const stop = async () => {
      if (onHangup) process.off('SIGHUP', onHangup);
      await (app.stop() as Promise<void>);
      await requests.drain(deps.shutdownGraceMs ?? 10_000);
      await connection?.close();
    };
    if (slack.appToken) {
      await app.start();
      return { port: 0, reloadPolicy, stop };
    }
    const host = deps.host ?? slack.host;
    const server = await app.start({ port: slack.port, ...(host ? { host } : {}) });
    const port = (server.address() as AddressInfo | null)?.port ?? slack.port;
    return { port, reloadPolicy, stop };
  } catch (err) {
    if (onHangup) process.off('SIGHUP', onHangup);
    await connection?.close();
    throw err;
  }
}
