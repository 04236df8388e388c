import { Connection, Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { existsSync, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createDriftNotifier } from './drift-notifier.js';
import { createWorkerNotifier } from './worker-notifier.js';
import type { Config } from '../config/index.js';
import type { NotifierPort } from '../ports/notifier.js';
import { createMigrationWorker } from '../temporal/worker.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import { openFleetPorts, type FleetPorts } from './fleet-ports.js';

let runtimeInstalled = false;

/** The Temporal SDK logs at the configured level (WARN by default: the notifier reports progress). */
export function installSdkLogging(config: Config): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger(config.logLevel) });
  runtimeInstalled = true;
}

export function parseAddress(address: string): { host: string; port: number } {
  const match = /^(.*):(\d+)$/.exec(address);
  return match ? { host: match[1] ?? '127.0.0.1', port: Number(match[2]) } : { host: address, port: 7233 };
}

/** True when a Temporal frontend answers at the configured address. */
export async function temporalReachable(config: Config): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: 1500 });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

function temporalCliOnPath(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'temporal');
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export interface DevServer {
  uiUrl: string;
  stop(): Promise<void>;
}

/**
 * `temporal server start-dev` with its UI, a SQLite file in the data directory (runs
 * survive restarts) and our search attributes registered. The binary: TEMPORAL_CLI_PATH,
 * else `temporal` on PATH, else the SDK downloads it (needs internet).
 */
export async function startDevServer(config: Config, pathEnv: NodeJS.ProcessEnv): Promise<DevServer> {
  installSdkLogging(config);
  mkdirSync(config.dataDir, { recursive: true });
  const { host, port } = parseAddress(config.temporal.address);
  const uiPort = Number(new URL(config.temporal.uiUrl).port || 8233);
  const path = config.temporal.cliPath ?? temporalCliOnPath(pathEnv);
  // Loaded only here: workers against an existing server (docker-compose, production) never need it.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: path ? { type: 'existing-path', path } : undefined,
      ip: host,
      port,
      ui: true,
      uiPort,
      dbFilename: join(config.dataDir, 'temporal.sqlite'),
      namespace: config.temporal.namespace,
      searchAttributes: SEARCH_ATTRIBUTES,
    },
  });
  return { uiUrl: config.temporal.uiUrl, stop: () => env.teardown() };
}

export interface RunningWorker {
  worker: Worker;
  ports: FleetPorts;
  done: Promise<void>;
  stop(): Promise<void>;
}

/** The worker on the fleet from configuration (sandbox by default, AWS when the fleet file says so). */
export async function startWorker(
  config: Config,
  options: { notifier?: NotifierPort; log?: (line: string) => void } = {},
): Promise<RunningWorker> {
  installSdkLogging(config);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const ports = openFleetPorts(config);
  const log = options.log ?? (() => undefined);
  const notifier = options.notifier ?? createWorkerNotifier(config, { log });
  const driftNotifier = createDriftNotifier(config, { log });
  const worker = await createMigrationWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps: { ...ports, notifier, driftNotifier },
  });
  const done = worker.run().finally(() => connection.close());
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

export async function connectClient(config: Config): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: config.temporal.address });
  return {
    client: new Client({ connection, namespace: config.temporal.namespace }),
    close: () => connection.close(),
  };
}
