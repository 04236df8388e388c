import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type ActivityInterceptorsFactory } from '@temporalio/worker';
import { POD_IDENTITY_TRUST_SID } from '../../src/domain/constants.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import type { IamPort } from '../../src/ports/iam.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import { decisionUpdate, stateQuery } from '../../workflows/messages.js';
import { roleLockStateQuery, roleLockWorkflowId } from '../../workflows/role-lock.js';
import {
  APPROVER,
  endRoleLock,
  migrationInput,
  ROLE_ARN,
  startHarness,
  waitForState,
} from '../support/migration-harness.js';
import { createTimeSkippingEnv, workflowBundle } from '../support/temporal.js';

/*
 * What a migration costs in round trips through the server (bench:overhead), and what it
 * keeps doing all the same (FEWER_ROUND_TRIPS_PATCH): no verification pod is scheduled on a
 * worker that has none configured; a role-lock release goes out with the run's
 * next command and the lock is free when the run ends; a re-check of a role that trusts Pod
 * Identity already reads without the lock, and takes it to write. Each run replays from its
 * own history.
 */
const TERMINAL = ['Completed', 'RolledBack', 'RollbackFailed', 'PreflightFailed', 'MigratedNotCleaned'];
const T = proto.temporal.api.enums.v1.EventType;
type Event = proto.temporal.api.history.v1.IHistoryEvent;
/** Events a workflow task's completion records for its commands. */
const COMMAND_EVENTS = new Set<number>([
  T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
  T.EVENT_TYPE_MARKER_RECORDED,
  T.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
  T.EVENT_TYPE_TIMER_STARTED,
  T.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
  T.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
  T.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
]);

const count = (calls: string[], type: string) => calls.filter((c) => c === type).length;

/** The commands the workflow task that sent `events[at]` sent with it, after it. */
function sentAfter(events: Event[], at: number): Event[] {
  let end = at + 1;
  while (end < events.length && COMMAND_EVENTS.has(events[end]!.eventType ?? 0)) end += 1;
  return events.slice(at + 1, end);
}

/**
 * IAM where another writer removes the Pod Identity statement just before the first
 * re-check reads it (the second read of the trust: the first is the trust step's).
 */
function removingIam(iam: IamPort, removed: { done: boolean; reads: number }): IamPort {
  return {
    ...iam,
    async getRole(roleName) {
      const info = Context.current().info;
      if (info.activityType === 'readPodIdentityTrust') removed.reads += 1;
      if (!removed.done && removed.reads === 2) {
        removed.done = true;
        const role = await iam.getRole(roleName);
        const Statement = role.trustPolicy.Statement.filter((s) => s.Sid !== POD_IDENTITY_TRUST_SID);
        await iam.updateTrustPolicy(roleName, { ...role.trustPolicy, Statement });
      }
      return iam.getRole(roleName);
    },
  };
}

describe('round trips: fewer through the server, the same guarantees', () => {
  let env: TestWorkflowEnvironment;
  const removed = { done: true, reads: 0 };
  const notifyDelay = { ms: 0 };
  let calls: string[] = [];
  let delivered: string[] = [];
  let h: Awaited<ReturnType<typeof startHarness>>;
  const record: ActivityInterceptorsFactory = (ctx) => ({
    inbound: {
      execute(input, next) {
        calls.push(ctx.info.activityType);
        return next(input);
      },
    },
  });
  before(async () => {
    env = await createTimeSkippingEnv();
    const fleet = createSandboxFleet({ consistencyDelayMs: 0, podStartMs: 5 });
    h = await startHarness(env, {
      fleet,
      notifier: {
        // A notifier as slow as a chat API: deliveries overlap the run's calls.
        notify: async (n) => {
          await new Promise((resolve) => setTimeout(resolve, notifyDelay.ms));
          delivered.push(n.text);
          return {};
        },
      },
      iam: (iam) => removingIam(iam, removed),
      activityInterceptors: [record],
    });
  });
  after(async () => {
    await h?.stop();
    await endRoleLock(env);
    await env?.teardown();
  });
  beforeEach(async () => {
    removed.done = true;
    removed.reads = 0;
    notifyDelay.ms = 0;
    calls = [];
    delivered = [];
    await h.fleet.control.reset();
  });

  /** A zero-wait migration, approved at the gate, to its end; returns its history. */
  async function migrate(): Promise<{ handle: WorkflowHandle; events: Event[] }> {
    const input = migrationInput({ soakSeconds: 0, consistencyWaitSeconds: 0 });
    const handle = env.client.workflow.getHandle(workflowIdFor(input.serviceAccount));
    await handle.terminate('next test').catch(() => undefined);
    await h.service.start(input);
    const gate = await waitForState(handle, (s) => s.phase === 'AwaitingApproval' || TERMINAL.includes(s.phase));
    assert.equal(gate.phase, 'AwaitingApproval', JSON.stringify(gate.failure));
    await handle.executeUpdate(decisionUpdate, { args: [{ decision: 'approve', by: APPROVER }] });
    const final = await h.service.result(input.serviceAccount);
    assert.equal(final.phase, 'Completed', JSON.stringify(final.failure));
    const history = await handle.fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, handle.workflowId);
    return { handle, events: history.events ?? [] };
  }

  test('a zero-wait run: no verification pod on a worker without one', async () => {
    const { events } = await migrate();
    const scheduled = (type: string) =>
      events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type).length;
    assert.equal(scheduled('verifyCredentials'), 9, 'per cluster: verify, recheck, cleanup verify');
    assert.equal(scheduled('runVerificationPod'), 0);
    assert.equal(scheduled('notify'), delivered.length, 'one delivery per event');
    assert.match(delivered.at(-1) ?? '', /migration completed/);
  });

  test('notifications slower than the calls beside them: in order, and the run replays', async () => {
    notifyDelay.ms = 40;
    const { handle } = await migrate();
    const state = await handle.query(stateQuery);
    // Each cluster's step outcomes went out in the order of its steps.
    for (const cluster of state.clusters) {
      let at = -1;
      for (const st of cluster.steps) {
        const next = delivered.indexOf(`${cluster.cluster}: ${st.detail}`, at + 1);
        assert.ok(next > at, `${cluster.cluster} ${st.step} posted after the step before it`);
        at = next;
      }
    }
  });

  test('a release goes out with the next command, and the lock is free when the run ends', async () => {
    const { events } = await migrate();
    const releases = events.flatMap((e, i) =>
      e.eventType === T.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED ? [i] : [],
    );
    assert.equal(releases.length, 2, 'the trust step and the IRSA trust removal');
    assert.ok(
      sentAfter(events, releases[0]!).some((e) => e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
      `the workflow task that released the lock (event ${releases[0]! + 1}) went on to the next activity`,
    );
    const signalled = events.filter((e) => e.eventType === T.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED);
    assert.equal(signalled.length, 2, 'every release reached the lock before the run ended');
    const lock = await env.client.workflow.getHandle(roleLockWorkflowId(ROLE_ARN)).query(roleLockStateQuery);
    assert.deepEqual(lock, { queue: [] });
  });

  test('re-checks of a role that trusts Pod Identity read without the lock', async () => {
    await migrate();
    // The trust step and the IRSA trust removal lock the role; the three re-checks do not.
    assert.equal(count(calls, 'requestRoleLock'), 2);
    assert.equal(count(calls, 'readPodIdentityTrust'), 4);
    assert.equal(count(calls, 'writePodIdentityTrust'), 1);
  });

  test('a re-check that finds the statement gone takes the lock, reads again and writes it back', async () => {
    removed.done = false;
    await migrate();
    assert.ok(removed.done);
    assert.equal(count(calls, 'requestRoleLock'), 3);
    assert.equal(count(calls, 'writePodIdentityTrust'), 2);
    const trust = (await h.fleet.control.essentials()).trustPolicies['eks-payments-reconciler']!;
    assert.ok(trust.Statement.some((s) => s.Sid === POD_IDENTITY_TRUST_SID));
  });
});
