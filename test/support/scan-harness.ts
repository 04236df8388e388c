import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config/index.js';
import type { RunningMigration } from '../../src/domain/fleet-report.js';
import type { DriftPost } from '../../src/ports/drift-notifier.js';
import type { FleetState, SandboxFleet } from '../../src/sandbox/index.js';
import { scanInputFor, ScanService } from '../../src/temporal/scans.js';
import type { ActivityDeps } from '../../activities/deps.js';
import type { ScanInput } from '../../workflows/scan/messages.js';
import { startHarness } from './sandbox-worker.js';

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
    /** More of the worker's dependencies (tunables such as `scanLimits`). */
    deps?: Partial<ActivityDeps>;
  } = {},
): Promise<ScanHarness> {
  const posts: DriftPost[] = [];
  // Tests replace `running` on the returned harness: the lookup reads it at each call.
  const lookup = { running: [] as RunningMigration[] };
  const harness = await startHarness(env, {
    taskQueue: `scan-${randomUUID()}`,
    ...(options.fleet && { fleet: options.fleet }),
    ...(options.seed && { sandbox: { seed: options.seed } }),
    deps: {
      ...options.deps,
      driftNotifier: {
        postNewDrift(post) {
          posts.push(post);
          return Promise.resolve({});
        },
      },
      ...(options.migrationLookup === 'visibility' ? {} : { runningMigrations: () => Promise.resolve(lookup.running) }),
    },
  });
  return Object.assign(lookup, {
    fleet: harness.fleet,
    scans: new ScanService(env.client, harness.taskQueue, 'http://127.0.0.1:8233'),
    taskQueue: harness.taskQueue,
    posts,
    worker: harness.worker,
    stop: () => harness.stop(),
  });
}
