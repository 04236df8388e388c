import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { createConsoleNotifier } from '../../src/adapters/console-notifier.js';
import { loadConfig } from '../../src/config/index.js';
import type { RunningMigration } from '../../src/domain/fleet-report.js';
import type { DriftPost } from '../../src/ports/drift-notifier.js';
import { createSandboxFleet, type FleetState, type SandboxFleet } from '../../src/sandbox/index.js';
import { scanInputFor, ScanService } from '../../src/temporal/scans.js';
import { createMigrationWorker } from '../../src/temporal/worker.js';
import type { ScanInput } from '../../workflows/scan/messages.js';
import { workflowBundle } from './temporal.js';

export interface ScanHarness {
  fleet: SandboxFleet;
  scans: ScanService;
  taskQueue: string;
  /** What the drift notifier was given, in order. */
  posts: DriftPost[];
  /** What the running-migrations lookup answers; tests set it. */
  running: RunningMigration[];
  worker: Worker;
  stop(): Promise<void>;
}

/** The full scan of the embedded fleet's four clusters, as the CLI and the Schedule build it. */
export function fleetScanInput(overrides: Partial<Parameters<typeof scanInputFor>[1]> = {}): ScanInput {
  return scanInputFor(loadConfig({}), overrides);
}

/**
 * A worker over a sandbox fleet (the drift seed unless told otherwise) whose drift notifier
 * records posts and whose migration lookup answers `running` (the time-skipping server has
 * no visibility API to ask) unless told to ask Temporal.
 */
export async function startScanHarness(
  env: TestWorkflowEnvironment,
  options: {
    seed?: FleetState;
    fleet?: SandboxFleet;
    /** `visibility`: ask Temporal as production does (the dev server has the API). */
    migrationLookup?: 'stub' | 'visibility';
  } = {},
): Promise<ScanHarness> {
  const taskQueue = `scan-${randomUUID()}`;
  const fleet =
    options.fleet ??
    createSandboxFleet({ consistencyDelayMs: 0, podStartMs: 5, ...(options.seed ? { seed: options.seed } : {}) });
  const posts: DriftPost[] = [];
  const harness = { running: [] as RunningMigration[] };
  const worker = await createMigrationWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    deps: {
      eks: fleet.eks,
      iam: fleet.iam,
      kubernetes: fleet.kubernetes,
      notifier: createConsoleNotifier(() => undefined),
      driftNotifier: {
        postNewDrift(post) {
          posts.push(post);
          return Promise.resolve({});
        },
      },
      ...(options.migrationLookup === 'visibility'
        ? {}
        : { runningMigrations: () => Promise.resolve(harness.running) }),
    },
    workflowBundle: await workflowBundle(),
  });
  const running = worker.run();
  return Object.assign(harness, {
    fleet,
    scans: new ScanService(env.client, taskQueue, 'http://127.0.0.1:8233'),
    taskQueue,
    posts,
    worker,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  });
}
