import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ActivityDeps } from '../../activities/index.js';
import type { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { createConsoleNotifier } from '../../src/adapters/console-notifier.js';
import type { MigrationState } from '../../src/domain/migration-state.js';
import { DEFAULT_OPTIONS, type MigrationInput, type MigrationOptions } from '../../src/domain/types.js';
import type { NotifierPort } from '../../src/ports/notifier.js';
import { createSandboxFleet, type SandboxFleet, type SandboxOptions } from '../../src/sandbox/index.js';
import { MigrationService } from '../../src/temporal/migrations.js';
import { createMigrationWorker } from '../../src/temporal/worker.js';
import { stateQuery } from '../../workflows/messages.js';
import { after, before } from 'node:test';
import { createTimeSkippingEnv, quietTemporalLogs, workflowBundle } from './temporal.js';

quietTemporalLogs();

export const ROLE_ARN = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';
export const REQUESTER = 'alice';
export const APPROVER = 'bob';

export function migrationInput(
  options: Partial<MigrationOptions> = {},
  overrides: Partial<MigrationInput> = {},
): MigrationInput {
  return {
    serviceAccount: { namespace: 'payments', name: 'reconciler' },
    roleArn: ROLE_ARN,
    clusters: ['sandbox-a', 'sandbox-b', 'sandbox-c'],
    requestedBy: REQUESTER,
    options: { ...DEFAULT_OPTIONS, approvers: [APPROVER, REQUESTER], rolloutTimeoutSeconds: 60, ...options },
    ...overrides,
  };
}

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
    /** More activity deps (verification pods, fleet clusters). */
    deps?: Partial<ActivityDeps>;
  } = {},
): Promise<Harness> {
  const taskQueue = options.taskQueue ?? `test-${randomUUID()}`;
  const fleet = options.fleet ?? createSandboxFleet({ consistencyDelayMs: 0, podStartMs: 5, ...options.sandbox });
  const events: string[] = [];
  const worker = await createMigrationWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    deps: {
      eks: fleet.eks,
      iam: fleet.iam,
      kubernetes: fleet.kubernetes,
      notifier: options.notifier ?? createConsoleNotifier((line) => events.push(line)),
      rolloutPollMs: 5,
      trustPolicyLimit: options.trustPolicyLimit,
      ...options.deps,
    },
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

/**
 * Moves the time-skipping server's clock forward in `stepMs` jumps (timers fire, activities
 * run for real) until the workflow's state satisfies `done`.
 */
export async function advanceUntil(
  env: TestWorkflowEnvironment,
  handle: WorkflowHandle,
  done: (state: MigrationState) => boolean,
  { stepMs = 10_000, maxSteps = 400 } = {},
): Promise<MigrationState> {
  for (let i = 0; i < maxSteps; i++) {
    const state = await handle.query(stateQuery);
    if (done(state)) return state;
    await env.sleep(stepMs);
  }
  const state = await handle.query(stateQuery);
  throw new Error(`workflow did not reach the expected state; phase ${state.phase}: ${JSON.stringify(state.failure)}`);
}

/**
 * One time-skipping server and one harness for a whole test file: started before its
 * tests, always torn down after. `ready` hands them to the file's variables.
 */
export function useWorkflowHarness(ready: (env: TestWorkflowEnvironment, harness: Harness) => void): void {
  let env: TestWorkflowEnvironment | undefined;
  let harness: Harness | undefined;
  before(async () => {
    env = await createTimeSkippingEnv();
    harness = await startHarness(env);
    ready(env, harness);
  });
  after(async () => {
    await harness?.stop();
    await env?.teardown();
  });
}
