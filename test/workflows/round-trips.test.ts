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
import { DEFAULT_PROBE } from '../../src/domain/verification-pod.js';
import { NOTIFICATION_HOLD_MS } from '../../workflows/activity-options.js';
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

type Harness = Awaited<ReturnType<typeof startHarness>>;

/*
 * What a migration costs in round trips through the server (bench:overhead), and what it
 * keeps doing all the same (FEWER_ROUND_TRIPS_PATCH): no verification pod is scheduled on a
 * worker that has none configured; a role-lock release goes out with the run's
 * next command and the lock is free when the run ends; a re-check of a role that trusts Pod
 * Identity already reads without the lock, and takes it to write. A run's notifications are
 * held until it waits, so none goes out beside a short call (HELD_NOTIFICATIONS_PATCH), and
 * none is held longer than NOTIFICATION_HOLD_MS. Each run replays from its own history.
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

/**
 * A zero-wait migration (`clusters`: the harness's by default), approved at the gate, to its
 * end; it replays from its own history, which it returns.
 */
async function zeroWaitMigration(
  env: TestWorkflowEnvironment,
  h: Harness,
  clusters?: string[],
): Promise<{ handle: WorkflowHandle; events: Event[] }> {
  const input = migrationInput({ soakSeconds: 0, consistencyWaitSeconds: 0 }, clusters && { clusters });
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

describe('round trips: fewer through the server, the same guarantees', () => {
  let env: TestWorkflowEnvironment;
  const removed = { done: true, reads: 0 };
  const notifyDelay = { ms: 0 };
  let calls: string[] = [];
  let delivered: string[] = [];
  let h: Harness;
  /** The `nth` call of `type` takes `ms` longer (wall time: the test server skips no time while it runs). */
  const slowCall = { type: '', nth: 0, ms: 0 };
  const record: ActivityInterceptorsFactory = (ctx) => ({
    inbound: {
      async execute(input, next) {
        calls.push(ctx.info.activityType);
        if (ctx.info.activityType === slowCall.type && count(calls, slowCall.type) === slowCall.nth)
          await new Promise((resolve) => setTimeout(resolve, slowCall.ms));
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
    Object.assign(slowCall, { type: '', nth: 0, ms: 0 });
    calls = [];
    delivered = [];
    await h.fleet.control.reset();
  });

  const migrate = () => zeroWaitMigration(env, h);

  test('calls that need not wait for each other share a round trip (OVERLAPPED_CALLS_PATCH)', async () => {
    const { events } = await migrate();
    const scheduledAt = (type: string) =>
      events.flatMap((e, i) => (e.activityTaskScheduledEventAttributes?.activityType?.name === type ? [i] : []));
    const typesSentWith = (at: number) => {
      // Back to the workflow task's completion, then every command it sent.
      let start = at;
      while (start > 0 && COMMAND_EVENTS.has(events[start - 1]!.eventType ?? 0)) start -= 1;
      return sentAfter(events, start - 1).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
    };
    // A restart, its rollout wait and its verification: one activity (RESTART_AND_VERIFY_PATCH).
    assert.equal(scheduledAt('restartAwaitAndVerify').length, 9, 'per cluster: restart, recheck, cleanup restart');
    assert.deepEqual(
      ['restartAndAwaitRollouts', 'restartWorkloads', 'waitForRollouts', 'verifyCredentials'].map(
        (type) => scheduledAt(type).length,
      ),
      [0, 0, 0, 0],
    );
    // The role's checks, once the clusters are read: in one workflow task.
    const role = typesSentWith(scheduledAt('preflightRole')[0]!);
    for (const type of ['checkRoleReuse', 'auditSdkVersions'])
      assert.ok(role.includes(type), `${type} went out with preflightRole: ${role.join(', ')}`);
    // Each phase's sweep goes out with the phase's first call.
    const sweeps = scheduledAt('sweepVerificationPods');
    assert.equal(sweeps.length, 6, 'two phases, three clusters');
    assert.ok(typesSentWith(sweeps[0]!).includes('createAssociation'), 'the Migrating sweep beside the association');
    assert.ok(typesSentWith(sweeps[3]!).includes('setIrsaAnnotation'), 'the CleaningUp sweep beside the annotation');
  });

  test('a zero-wait run: no verification pod on a worker without one', async () => {
    const { events } = await migrate();
    const scheduled = (type: string) =>
      events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type).length;
    assert.equal(scheduled('restartAwaitAndVerify'), 9, 'per cluster: verify, recheck, cleanup verify');
    assert.equal(scheduled('runVerificationPod'), 0);
    assert.match(delivered.at(-1) ?? '', /migration completed/);
  });

  test('notifications are held until the run waits: none goes out beside a short call (HELD_NOTIFICATIONS_PATCH)', async () => {
    const { events } = await migrate();
    const deliveries = events.flatMap((e, i) =>
      e.activityTaskScheduledEventAttributes?.activityType?.name === 'notifyAll' ? [i] : [],
    );
    assert.equal(count(calls, 'notify'), 0, 'no delivery of one event as it comes');
    assert.ok(
      deliveries.length > 0 && deliveries.length < delivered.length / 2,
      `${delivered.length} events in ${deliveries.length} deliveries`,
    );
    const firstTask = events.findIndex((e) => e.eventType === T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    for (const at of deliveries) {
      // Back to the workflow task's completion, then every call it sent.
      let start = at;
      while (start > 0 && COMMAND_EVENTS.has(events[start - 1]!.eventType ?? 0)) start -= 1;
      if (start - 1 === firstTask) continue; // "started" opens the thread at once, beside preflight
      const beside = sentAfter(events, start - 1)
        .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
        .filter((type) => type !== undefined && type !== 'notifyAll');
      assert.ok(
        beside.every((type) => type === 'restartAwaitAndVerify'),
        `the delivery at event ${at + 1} went out alone or beside a restart, not beside ${beside.join(', ')}`,
      );
    }
  });

  test(`a held notification goes out within ${NOTIFICATION_HOLD_MS} ms while a slow call is out`, async () => {
    // The second cluster's association takes a second longer than the hold.
    Object.assign(slowCall, { type: 'createAssociation', nth: 2, ms: NOTIFICATION_HOLD_MS + 1000 });
    const { events } = await migrate();
    const idOf = (e: Event) => Number(e.eventId);
    const create = events.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createAssociation',
    )[1]!;
    const created = events.find(
      (e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId) === idOf(create),
    )!;
    const during = events.filter(
      (e) =>
        idOf(e) > idOf(create) &&
        idOf(e) < idOf(created) &&
        (e.eventType === T.EVENT_TYPE_TIMER_FIRED ||
          e.activityTaskScheduledEventAttributes?.activityType?.name === 'notifyAll'),
    );
    assert.deepEqual(
      during.map((e) => e.eventType),
      [T.EVENT_TYPE_TIMER_FIRED, T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED],
      'the hold timer fired and the held events went out while the association was still being created',
    );
    const sent = during[1]!.activityTaskScheduledEventAttributes!.input!.payloads![0]!;
    const texts = (JSON.parse(Buffer.from(sent.data!).toString()) as { text: string }[]).map((n) => n.text);
    assert.ok(
      texts.some((t) => t.startsWith('sandbox-a:')),
      `the first cluster's last step went out during the second's slow call: ${texts.join(' | ')}`,
    );
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

describe('round trips: a verification pod waits for the sweep beside its phase', () => {
  let env: TestWorkflowEnvironment;
  let h: Harness;
  // A slow sweep: still running when the phase's first verification pod would start.
  const slowSweep: ActivityInterceptorsFactory = (ctx) => ({
    inbound: {
      async execute(input, next) {
        if (ctx.info.activityType === 'sweepVerificationPods') await new Promise((r) => setTimeout(r, 400));
        return next(input);
      },
    },
  });
  before(async () => {
    env = await createTimeSkippingEnv();
    h = await startHarness(env, {
      deps: { verificationProbe: DEFAULT_PROBE, verificationPollMs: 5 },
      activityInterceptors: [slowSweep],
    });
  });
  after(async () => {
    await h?.stop();
    await endRoleLock(env);
    await env?.teardown();
  });

  test("each phase's first verification pod starts after that phase's sweep has finished", async () => {
    const { events } = await zeroWaitMigration(env, h, ['sandbox-a']);
    const idOf = (e: Event) => Number(e.eventId);
    const sweeps = events.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sweepVerificationPods',
    );
    const pods = events.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runVerificationPod',
    );
    assert.equal(sweeps.length, 2, 'Migrating and CleaningUp, one cluster');
    assert.ok(pods.length >= 2, 'verification pods in both phases');
    for (const [phase, sweep] of sweeps.entries()) {
      const done = events.find((e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId) === idOf(sweep));
      assert.ok(done, `sweep ${phase} completed`);
      const firstPod = pods.find((p) => idOf(p) > idOf(sweep));
      assert.ok(
        firstPod && idOf(firstPod) > idOf(done),
        `the phase's first verification pod (event ${firstPod ? idOf(firstPod) : '-'}) after its sweep completed (event ${idOf(done)})`,
      );
    }
  });
});
