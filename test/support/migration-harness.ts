import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import type { MigrationState } from '../../src/domain/migration-state.js';
import { DEFAULT_OPTIONS, type MigrationInput, type MigrationOptions } from '../../src/domain/types.js';
import { stateQuery } from '../../workflows/messages.js';
import { roleLockWorkflowId } from '../../workflows/role-lock.js';
import { after, before } from 'node:test';
import { startHarness, type Harness } from './sandbox-worker.js';
import { createTimeSkippingEnv, quietTemporalLogs } from './temporal.js';

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
    // No observation unless a test asks for one: runs end Completed right after cleanup, as before the phase.
    options: {
      ...DEFAULT_OPTIONS,
      approvers: [APPROVER, REQUESTER],
      rolloutTimeoutSeconds: 60,
      observation: { durationSeconds: 0 },
      ...options,
    },
    ...overrides,
  };
}

export { startHarness, type Harness };

/**
 * Ends a role's lock workflow. The lock runs on the task queue of the worker whose run
 * started it: a test that moves on to a new task queue on the same server ends it, or the
 * next run's request waits on a lock no worker serves.
 */
export async function endRoleLock(env: TestWorkflowEnvironment, roleArn = ROLE_ARN): Promise<void> {
  await env.client.workflow
    .getHandle(roleLockWorkflowId(roleArn))
    .terminate('the test moves to another task queue')
    .catch(() => undefined);
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
 * Polls the workflow's state on the wall clock, never unlocking time skipping: durable
 * timers then run in real time, as the sandbox's clock does (eventual consistency, rollouts).
 */
export async function waitForState(
  handle: WorkflowHandle,
  done: (state: MigrationState) => boolean,
  { timeoutMs = 90_000, intervalMs = 100 } = {},
): Promise<MigrationState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await handle.query(stateQuery);
    if (done(state)) return state;
    if (Date.now() > deadline) {
      throw new Error(
        `workflow did not reach the expected state in ${timeoutMs} ms; phase ${state.phase}: ${JSON.stringify(state.failure)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
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
