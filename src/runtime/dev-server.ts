import { Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { existsSync, mkdirSync } from 'node:fs';
import { connect as tcpConnect, isIP } from 'node:net';
import { delimiter, join } from 'node:path';
import type { Config } from '../config/index.js';
import type { AppLogger } from '../observability/logger.js';
import { temporalLogger } from '../observability/temporal-logger.js';
import { temporalConnectionOptions } from '../temporal/connection.js';
import { devServerArgs } from '../temporal/server-config.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';

/*
 * The Temporal SDK's runtime and the dev server, apart from the worker (runtime/stack.ts):
 * `npm start` starts the dev server with this much loaded, and loads the worker's modules
 * while the server boots.
 */

let runtimeInstalled = false;

/**
 * The Temporal SDK's runtime, once per process. Its logs (core, worker, workflow `log`,
 * activity context loggers) go to `logger` as JSON lines when one is given, else to the
 * console; either way at MIGRATE_IDENTITY_LOG_LEVEL (WARN by default: the notifier reports
 * progress). `sdkMetrics`: the SDK's Prometheus exporter on TEMPORAL_METRICS_BIND_ADDRESS.
 */
export function installRuntime(config: Config, options: { logger?: AppLogger; sdkMetrics?: boolean } = {}): void {
  if (runtimeInstalled) return;
  const level = config.logLevel;
  Runtime.install({
    logger: options.logger ? temporalLogger(options.logger, level) : new DefaultLogger(level),
    telemetryOptions: {
      ...(options.logger && { logging: { filter: { core: level, other: 'WARN' }, forward: {} } }),
      ...(options.sdkMetrics && {
        metrics: { prometheus: { bindAddress: config.observability.sdkMetricsBindAddress } },
      }),
    },
  });
  runtimeInstalled = true;
}

export function parseAddress(address: string): { host: string; port: number } {
  const match = /^(.*):(\d+)$/.exec(address);
  return match ? { host: match[1] ?? '127.0.0.1', port: Number(match[2]) } : { host: address, port: 7233 };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** True when something accepts a TCP connection at host:port within `timeoutMs`. */
export function tcpListening(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: host.replace(/^\[(.*)\]$/, '$1'), port });
    const done = (listening: boolean) => {
      socket.destroy();
      resolve(listening);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** True when a Temporal frontend answers at the configured address. */
export async function temporalReachable(config: Config): Promise<boolean> {
  // On loopback (the dev server's address), a refused TCP connection settles it at once; the
  // gRPC connect would keep retrying it for the whole connect timeout (1.5 s of every
  // `npm start`). Other hosts may be behind a gRPC proxy, so only gRPC speaks for them.
  const { host, port } = parseAddress(config.temporal.address);
  const loopback = LOOPBACK_HOSTS.has(host) || (isIP(host) === 4 && host.startsWith('127.'));
  if (loopback && !(await tcpListening(host, port, 1500))) return false;
  try {
    const connection = await Connection.connect({
      ...temporalConnectionOptions(config.temporal),
      connectTimeout: 1500,
    });
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
export async function startDevServer(
  config: Config,
  pathEnv: NodeJS.ProcessEnv,
  runtime: { logger?: AppLogger; sdkMetrics?: boolean } = {},
): Promise<DevServer> {
  installRuntime(config, runtime);
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
      // A `temporal` of the user's own may be older than the server default we rely on.
      extraArgs: devServerArgs(),
    },
  });
  return { uiUrl: config.temporal.uiUrl, stop: () => env.teardown() };
}
