import { startSlackApp } from '../../slack/app.js';
import { DEFAULT_METRICS_PORT, loadConfig } from '../config/index.js';
import { createLogger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { startMetricsServer } from '../observability/metrics-server.js';
import { createTracing } from '../observability/tracing.js';

/**
 * `npm run bot`: the Slack app on its own, talking to the Temporal server that a worker
 * (`npm run worker`, with the same Slack settings so it posts to Slack) serves. JSON logs
 * on stdout, `/metrics` on METRICS_PORT, traces over OTLP when configured. SIGTERM: stop
 * accepting requests, finish those in flight (SHUTDOWN_GRACE_SECONDS at most), exit 0.
 */
async function run(): Promise<void> {
  const config = loadConfig();
  if (!config.slack) {
    throw new Error(
      'Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN); see slack/README.md',
    );
  }
  const o = config.observability;
  const logger = createLogger({ level: o.logLevel, secrets: config.secrets, component: 'bot' });
  const metrics = createMetrics();
  const tracing = createTracing({
    serviceName: o.serviceName ?? 'migrate-identity-bot',
    ...(o.otlpEndpoint && { otlpEndpoint: o.otlpEndpoint }),
  });
  const server = await startMetricsServer({
    host: o.metricsHost,
    port: o.metricsPort ?? DEFAULT_METRICS_PORT,
    registry: metrics.registry,
  });
  try {
    const app = await startSlackApp(config, {
      appLogger: logger,
      metrics,
      ...(tracing.enabled && { tracer: tracing.tracer }),
      shutdownGraceMs: o.shutdownGraceSeconds * 1000,
    });
    try {
      logger.info(
        {
          mode: config.slack.appToken ? 'socket' : 'http',
          port: app.port,
          metricsPort: server.port,
          tracing: tracing.enabled,
        },
        config.slack.appToken ? 'Slack app connected (Socket Mode)' : 'Slack app listening on /slack/events',
      );
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      logger.info({ signal, graceSeconds: o.shutdownGraceSeconds }, 'bot stopping: finishing requests in flight');
    } finally {
      await app.stop();
    }
    logger.info('bot stopped');
  } finally {
    await server.close();
    await tracing.shutdown();
  }
}

run().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
