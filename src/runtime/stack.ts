import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import { NativeConnection, Runtime, type ActivityInterceptorsFactory, type Worker } from '@temporalio/worker';
import { connectClient } from './client.js';
import { installRuntime } from './dev-server.js';
import { createDriftNotifier } from './drift-notifier.js';
import { createWorkerNotifier } from './worker-notifier.js';
import type { Config } from '../config/index.js';
import type { NotifierPort } from '../ports/notifier.js';
import { temporalConnectionOptions } from '../temporal/connection.js';
import { createMigrationWorker } from '../temporal/worker.js';
import { currentWorkflowBundle } from '../temporal/workflow-bundle.js';
import { openFleetPorts, type FleetPorts } from './fleet-ports.js';
import { observedActivities } from '../observability/activity-interceptor.js';
import type { AppLogger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { workflowSpanSinks, type Tracing } from '../observability/tracing.js';
import { startVisibilityCollector, type VisibilityCollector } from '../observability/visibility-collector.js';
import { observationDefaults } from './observation.js';
import { verificationDeps } from './verification.js';

export { connectClient };
export {
  installRuntime,
  parseAddress,
  startDevServer,
  tcpListening,
  temporalReachable,
  type DevServer,
} from './dev-server.js';

/** What the worker reports through; each part optional (the CLI and tests pass none). */
export interface WorkerObservability {
  logger?: AppLogger;
  metrics?: Metrics;
  tracing?: Tracing;
  /** Export the SDK's own metrics (`installRuntime`). */
  sdkMetrics?: boolean;
}

/** OpenTelemetry's activity interceptors when tracing is on, then ours (metrics, logs). */
export function activityInterceptors(o: WorkerObservability): ActivityInterceptorsFactory[] {
  const tracer = o.tracing?.enabled ? o.tracing.tracer : undefined;
  return [
    ...(tracer
      ? [
          (ctx: Parameters<ActivityInterceptorsFactory>[0]) => ({
            inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer }),
            outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
          }),
        ]
      : []),
    observedActivities({ metrics: o.metrics, logger: o.logger }),
  ];
}

export interface RunningWorker {
  worker: Worker;
  ports: FleetPorts;
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * The worker on the fleet from configuration (sandbox by default, AWS when the fleet file
 * says so). On `stop()` (and on SIGTERM/SIGINT, through the SDK's runtime) it drains:
 * in-flight activities get SHUTDOWN_GRACE_SECONDS to finish before they are cancelled.
 */
export async function startWorker(
  config: Config,
  options: { notifier?: NotifierPort; log?: (line: string) => void; observability?: WorkerObservability } = {},
): Promise<RunningWorker> {
  const o = options.observability ?? {};
  installRuntime(config, { logger: o.logger, sdkMetrics: o.sdkMetrics });
  const connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal));
  const ports = await openFleetPorts(config);
  const notifier =
    options.notifier ??
    (await createWorkerNotifier(config, {
      log: options.log ?? (() => undefined),
      ...(o.logger && { logger: o.logger }),
    }));
  const driftNotifier = await createDriftNotifier(config, {
    log: o.logger ? (line) => o.logger?.info({ source: 'drift' }, line) : (options.log ?? (() => undefined)),
  });
  let collector: { stop(): Promise<void> } | undefined;
  let worker: Worker;
  try {
    worker = await createMigrationWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      deps: {
        ...ports,
        notifier,
        driftNotifier,
        ...verificationDeps(config),
        observationDefaults: observationDefaults(config),
      },
      workflowBundle: await currentWorkflowBundle({
        logger: Runtime.instance().logger,
        log: (line) => (o.logger ? o.logger.info({ source: 'worker' }, line) : options.log?.(line)),
      }),
      activityInterceptors: activityInterceptors(o),
      ...(o.tracing && { sinks: workflowSpanSinks(o.tracing) }),
      shutdownGraceMs: config.observability.shutdownGraceSeconds * 1000,
    });
    if (o.metrics) collector = await startMigrationGauges(config, o.metrics, o.logger);
  } catch (err) {
    await connection.close();
    throw err;
  }
  const done = worker.run().finally(async () => {
    await collector?.stop();
    await connection.close();
  });
  return {
    worker,
    ports,
    done,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}

/** The migration gauges, from visibility counts on a client connection of their own. */
async function startMigrationGauges(
  config: Config,
  metrics: Metrics,
  logger?: AppLogger,
): Promise<VisibilityCollector> {
  const { client, close } = await connectClient(config);
  const collector = startVisibilityCollector({
    client,
    taskQueue: config.temporal.taskQueue,
    metrics,
    intervalMs: config.observability.visibilityIntervalSeconds * 1000,
    logger,
  });
  return {
    collect: () => collector.collect(),
    stop: async () => {
      await collector.stop();
      await close();
    },
  };
}
