import { DEFAULT_METRICS_PORT, loadConfig } from '../config/index.js';
import { createLogger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { startMetricsServer } from '../observability/metrics-server.js';
import { createTracing } from '../observability/tracing.js';
import { registerScanSchedule } from '../runtime/scan-schedule.js';
import { startWorker } from '../runtime/stack.js';

/**
 * The worker alone, against the Temporal server at TEMPORAL_ADDRESS (docker-compose,
 * production): JSON logs on stdout, `/metrics` and `/healthz` on METRICS_PORT, traces over
 * OTLP when configured. SIGTERM drains: in-flight activities get SHUTDOWN_GRACE_SECONDS.
 */
async function run(): Promise<void> {
  const config = loadConfig();
  const o = config.observability;
  const logger = createLogger({ level: o.logLevel, secrets: config.secrets, component: 'worker' });
  const metrics = createMetrics();
  const tracing = createTracing({
    serviceName: o.serviceName ?? 'migrate-identity-worker',
    ...(o.otlpEndpoint && { otlpEndpoint: o.otlpEndpoint }),
  });
  const running = await startWorker(config, { observability: { logger, metrics, tracing, sdkMetrics: true } });
  await registerScanSchedule(config, (line) => logger.info(line));
  const server = await startMetricsServer({
    host: o.metricsHost,
    port: o.metricsPort ?? DEFAULT_METRICS_PORT,
    registry: metrics.registry,
    sdkMetricsUrl: `http://${o.sdkMetricsBindAddress}/metrics`,
    healthy: () => running.worker.getState() === 'RUNNING',
  });
  try {
    logger.info(
      {
        taskQueue: config.temporal.taskQueue,
        temporal: config.temporal.address,
        fleet: config.fleetSource,
        metricsPort: server.port,
        tracing: tracing.enabled,
      },
      'worker polling',
    );
    // The SDK's runtime drains the worker on these signals too; ours only logs and waits.
    const stopping = (signal: NodeJS.Signals) => {
      logger.info({ signal, graceSeconds: o.shutdownGraceSeconds }, 'worker draining: in-flight activities finish');
      void running.stop();
    };
    process.once('SIGINT', stopping);
    process.once('SIGTERM', stopping);
    await running.done;
    logger.info('worker stopped');
  } finally {
    await server.close();
    await tracing.shutdown();
  }
}

run().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
