import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ActivityInterceptorsFactory, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { ActivityDeps } from '../../activities/index.js';
import { createConsoleNotifier } from '../../src/adapters/console-notifier.js';
import type { IamPort } from '../../src/ports/iam.js';
import type { NotifierPort } from '../../src/ports/notifier.js';
import { createSandboxFleet, type SandboxFleet, type SandboxOptions } from '../../src/sandbox/index.js';
import { MigrationService } from '../../src/temporal/migrations.js';
import { createMigrationWorker, type WorkerOptions } from '../../src/temporal/worker.js';
import { workflowBundle } from './temporal.js';

/*
 * The worker every workflow test runs: its own task queue, a fresh sandbox fleet, on the
 * given test server. No side effects on import (the observability tests install their own
 * Temporal runtime; migration-harness.ts installs a quiet one), so every harness builds on it.
 */

export interface Harness {
  fleet: SandboxFleet;
  service: MigrationService;
  taskQueue: string;
  events: string[];
  worker: Worker;
  /** Stops the worker and waits for it. */
  stop(): Promise<void>;
}

/** A worker on its own task queue over a fresh sandbox fleet, on the given test server. */
export async function startHarness(
  env: TestWorkflowEnvironment,
  options: {
    sandbox?: SandboxOptions;
    taskQueue?: string;
    notifier?: NotifierPort;
    fleet?: SandboxFleet;
    maxCachedWorkflows?: number;
    trustPolicyLimit?: number;
    /** Give the worker the sandbox's CloudTrail (evidence); default: none, the runs record no evidence. */
    cloudTrail?: boolean;
    activityInterceptors?: ActivityInterceptorsFactory[];
    sinks?: WorkerOptions['sinks'];
    /** More activity dependencies, or replacements for the sandbox's (a scan's drift notifier). */
    deps?: Partial<ActivityDeps>;
    /** Wraps the fleet's IAM port (to slow or interleave calls). */
    iam?: (iam: IamPort) => IamPort;
  } = {},
): Promise<Harness> {
  const taskQueue = options.taskQueue ?? `test-${randomUUID()}`;
  const fleet = options.fleet ?? createSandboxFleet({ consistencyDelayMs: 0, podStartMs: 5, ...options.sandbox });
  const fleetClusters = Object.keys((await fleet.control.state()).clusters);
  const events: string[] = [];
  const worker = await createMigrationWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    deps: {
      eks: fleet.eks,
      iam: options.iam ? options.iam(fleet.iam) : fleet.iam,
      kubernetes: fleet.kubernetes,
      fleetClusters,
      notifier: options.notifier ?? createConsoleNotifier((line) => events.push(line)),
      rolloutPollMs: 5,
      trustPolicyLimit: options.trustPolicyLimit,
      // A sandbox worker, as src/runtime/observation.ts wires one: no observation unless a run asks.
      observationDefaults: { durationSeconds: 0 },
      ...(options.cloudTrail === true && { cloudTrail: fleet.cloudTrail }),
      ...options.deps,
    },
    ...(options.activityInterceptors && { activityInterceptors: options.activityInterceptors }),
    ...(options.sinks && { sinks: options.sinks }),
    workflowBundle: await workflowBundle(),
    maxCachedWorkflows: options.maxCachedWorkflows,
  });
  const running = worker.run();
  return {
    fleet,
    service: new MigrationService(env.client, taskQueue, 'http://127.0.0.1:8233'),
    taskQueue,
    events,
    worker,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}
