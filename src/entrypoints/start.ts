import { loadConfig } from '../config/index.js';
import { createMetrics } from '../observability/metrics.js';
import { startMetricsServer, type MetricsServer } from '../observability/metrics-server.js';
import { startLocalStack } from '../runtime/local-stack.js';
import { registerScanSchedule } from '../runtime/scan-schedule.js';

/**
 * `npm start`: the Temporal dev server (UI included, SQLite in the data directory), the
 * worker on the fleet (the sandbox unless a fleet file says otherwise), and the Slack bot
 * when Slack is configured.
 */
async function run(): Promise<void> {
  const config = loadConfig();
  const log = (line: string) => console.log(line);
  // Human lines here (a terminal, not a log pipeline); metrics only when METRICS_PORT is set.
  const { metricsPort, metricsHost, sdkMetricsBindAddress } = config.observability;
  const metrics = metricsPort === undefined ? undefined : createMetrics();
  // The scan schedule is registered while the worker starts (each takes about a second);
  // its line still comes after the worker's.
  const scheduleLines: string[] = [];
  const stack = await startLocalStack(config, {
    env: process.env,
    log,
    ...(metrics && { observability: { metrics, sdkMetrics: true } }),
    alongsideWorker: () => registerScanSchedule(config, (line) => scheduleLines.push(line)),
  });
  scheduleLines.forEach(log);
  let slack: { stop(): Promise<void> } | undefined;
  let metricsServer: MetricsServer | undefined;
  try {
    if (metrics && metricsPort !== undefined) {
      metricsServer = await startMetricsServer({
        host: metricsHost,
        port: metricsPort,
        registry: metrics.registry,
        sdkMetricsUrl: `http://${sdkMetricsBindAddress}/metrics`,
      });
    }
    if (config.slack) {
      const { startSlackApp } = await import('../../slack/app.js');
      slack = await startSlackApp(config, { log, ...(metrics && { metrics }) });
    }
    console.log(`
migrate-identity is running
  fleet:       ${config.fleetSource} (${config.fleet.clusters.map((c) => c.name).join(', ')})
  Temporal:    ${config.temporal.address} (namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue})
  Temporal UI: ${config.temporal.uiUrl}
  Slack:       ${config.slack ? 'on' : 'off (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to enable)'}
  access:      ${config.accessPolicy ? `policy ${config.accessPolicy.path} (SIGHUP reloads it)` : 'no policy: Slack starts nothing; the CLI is open on the sandbox'}
  Metrics:     ${metricsServer ? `http://${metricsHost}:${metricsServer.port}/metrics` : 'off (set METRICS_PORT to serve /metrics)'}

next, in another terminal:
  npm run demo                                  # a full migration of payments/reconciler on the sandbox
  npm run cli -- plan payments/reconciler --role arn:aws:iam::111122223333:role/eks-payments-reconciler --clusters sandbox-a,sandbox-b,sandbox-c
  npm run cli -- list
  npm run cli -- inventory                      # every service account using AWS credentials, and its state
  npm run cli -- drift                          # IRSA drift, with evidence and the fix commands
Ctrl-C stops everything.`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    console.log('stopping…');
  } finally {
    await slack?.stop();
    await stack.stop();
    await metricsServer?.close();
  }
}

run().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
