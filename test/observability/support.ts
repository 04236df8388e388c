import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ActivityInterceptorsFactory, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { createConsoleNotifier } from '../../src/adapters/console-notifier.js';
import { DEFAULT_OPTIONS, type MigrationInput, type MigrationOptions } from '../../src/domain/types.js';
import type { workflowSpanSinks } from '../../src/observability/tracing.js';
import type { NotifierPort } from '../../src/ports/notifier.js';
import { createSandboxFleet, type SandboxFleet } from '../../src/sandbox/index.js';
import { MigrationService } from '../../src/temporal/migrations.js';
import { createMigrationWorker } from '../../src/temporal/worker.js';
import { workflowBundle } from '../support/temporal.js';

/**
 * Helpers for the observability tests. Each of those files installs the Temporal runtime
 * its own way (a logger to read, the SDK's Prometheus exporter), so none imports
 * test/support/migration-harness.ts, which installs a quiet one on import.
 */

export const ROLE_ARN = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';

export function migrationInput(
  options: Partial<MigrationOptions> = {},
  clusters = ['sandbox-a', 'sandbox-b'],
): MigrationInput {
  return {
    serviceAccount: { namespace: 'payments', name: 'reconciler' },
    roleArn: ROLE_ARN,
    clusters,
    requestedBy: 'alice',
    options: {
      ...DEFAULT_OPTIONS,
      approvers: ['bob'],
      consistencyWaitSeconds: 0,
      soakSeconds: 0,
      rolloutTimeoutSeconds: 60,
      ...options,
    },
  };
}

/** A port nobody listens on now (the SDK's exporter needs one given, not 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A writable that keeps every line written to it (a logger's destination). */
export function lineSink(): Writable & { lines: string[]; text(): string } {
  const lines: string[] = [];
  let partial = '';
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      partial += chunk.toString();
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.filter(Boolean));
      done();
    },
  });
  return Object.assign(sink, { lines, text: () => [...lines, partial].join('\n') });
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The value of one sample in Prometheus text, e.g. `sample(text, 'x_total', { type: 'Throttled' })`; 0 if absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total = (total ?? 0) + Number(match[3]);
  }
  return total ?? 0;
}

export interface ObservedHarness {
  fleet: SandboxFleet;
  service: MigrationService;
  taskQueue: string;
  worker: Worker;
  stop(): Promise<void>;
}

/** A worker on its own task queue over a fresh sandbox fleet, with the given interceptors and sinks. */
export async function startObservedWorker(
  env: TestWorkflowEnvironment,
  options: {
    activityInterceptors?: ActivityInterceptorsFactory[];
    sinks?: ReturnType<typeof workflowSpanSinks>;
    notifier?: NotifierPort;
    client?: MigrationService;
  } = {},
): Promise<ObservedHarness> {
  const taskQueue = `test-${randomUUID()}`;
  const fleet = createSandboxFleet({ consistencyDelayMs: 0, podStartMs: 5 });
  const worker = await createMigrationWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    deps: {
      eks: fleet.eks,
      iam: fleet.iam,
      kubernetes: fleet.kubernetes,
      notifier: options.notifier ?? createConsoleNotifier(() => undefined),
      rolloutPollMs: 5,
    },
    workflowBundle: await workflowBundle(),
    ...(options.activityInterceptors && { activityInterceptors: options.activityInterceptors }),
    ...(options.sinks && { sinks: options.sinks }),
  });
  const running = worker.run();
  return {
    fleet,
    service: new MigrationService(env.client, taskQueue, 'http://127.0.0.1:8233'),
    taskQueue,
    worker,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}

/** Metric names deploy/observability's dashboard and alert rules query (histogram series as their family). */
export function deployedMetricNames(): string[] {
  const dir = new URL('../../deploy/observability/', import.meta.url);
  const text =
    readFileSync(new URL('grafana-dashboard.json', dir), 'utf8') + readFileSync(new URL('alerts.yaml', dir), 'utf8');
  const names = [...text.matchAll(/\b(?:migrate_identity|temporal)_[a-z_]+\b/g)].map((m) =>
    m[0].replace(/_(bucket|count|sum)$/, ''),
  );
  return [...new Set(names)].sort();
}
