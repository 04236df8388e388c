import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { MigrationState, StepRecord } from '../../src/domain/migration-state.js';
import { ALL_VERIFICATION_PODS, DEFAULT_PROBE, EXPIRES_AT_ANNOTATION } from '../../src/domain/verification-pod.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import { createSandboxFleet, type SandboxFleet } from '../../src/sandbox/index.js';
import { MigrationService } from '../../src/temporal/migrations.js';
import { decisionUpdate } from '../../workflows/messages.js';
import { roleLockStateQuery, roleLockWorkflowId } from '../../workflows/role-lock.js';
import {
  advanceUntil,
  APPROVER,
  endRoleLock,
  migrationInput,
  ROLE_ARN,
  startHarness,
} from '../support/migration-harness.js';
import { verificationPodSpec } from '../support/sandbox-fixtures.js';
import { fleetScanInput, startScanHarness } from '../support/scan-harness.js';
import { createTimeSkippingEnv, workflowBundle } from '../support/temporal.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLUSTERS = ['sandbox-a', 'sandbox-b'];
const DISTROLESS = 'gcr.io/distroless/static-debian12:nonroot';
const PROBE_DEPS = { verificationProbe: DEFAULT_PROBE, verificationPollMs: 5 };

/** The app images hold no CLI: the in-pod probe has nothing to run, so only the verification pod can prove the identity. */
async function distrolessApps(fleet: SandboxFleet): Promise<void> {
  for (const cluster of CLUSTERS) {
    const containers = [{ name: 'reconciler', image: DISTROLESS, awsCli: false }];
    await fleet.control.putWorkload(cluster, {
      namespace: 'payments',
      name: 'reconciler',
      serviceAccount: 'reconciler',
      containers,
    });
    if (cluster === 'sandbox-b') {
      await fleet.control.putWorkload(cluster, {
        kind: 'StatefulSet',
        namespace: 'payments',
        name: 'reconciler-ledger-writer',
        serviceAccount: 'reconciler',
        containers,
      });
    }
  }
}

function step(state: MigrationState, cluster: string, name: string): StepRecord {
  const record = state.clusters.find((c) => c.cluster === cluster)?.steps.find((s) => s.step === name);
  assert.ok(record, `${cluster} ${name} ran`);
  assert.equal(record.status, 'succeeded', `${cluster} ${name}: ${record.detail ?? ''}`);
  return record;
}

async function verificationPodsLeft(fleet: SandboxFleet): Promise<string[]> {
  const all = await Promise.all(
    CLUSTERS.map(async (c) =>
      (await fleet.kubernetes.listPodsWithLabels(c, ALL_VERIFICATION_PODS)).map((p) => `${c}/${p.name}`),
    ),
  );
  return all.flat();
}

describe('migration workflow: verification pods on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let dir: string;
  before(async () => {
    env = await createTimeSkippingEnv();
    dir = mkdtempSync(join(tmpdir(), 'migrate-identity-verification-pod-'));
  });
  after(async () => {
    await env?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });
  // Each test has a task queue of its own: the role lock an earlier test's run left idling
  // on its queue, which no worker serves now, would hold the next run's lock request.
  beforeEach(() => endRoleLock(env));

  test('an image without a CLI is verified through the verification pod, after the restart check too, and nothing is left', async () => {
    const h = await startHarness(env, { deps: PROBE_DEPS });
    try {
      await distrolessApps(h.fleet);
      const input = migrationInput({ soakSeconds: 60, verifyWith: 'pod' }, { clusters: CLUSTERS });
      await h.service.start(input);
      const handle = env.client.workflow.getHandle(workflowIdFor(input.serviceAccount));
      const gate = await advanceUntil(env, handle, (s) => s.phase === 'AwaitingApproval' || s.failure !== undefined);
      assert.equal(gate.phase, 'AwaitingApproval', JSON.stringify(gate.failure));
      for (const cluster of CLUSTERS) {
        for (const name of ['verify', 'recheck']) {
          const verify = step(gate, cluster, name);
          assert.match(
            verify.detail ?? '',
            new RegExp(
              // Checked as the rollout completes: the old pods may still be terminating, left out and counted.
              `pod\\(s\\) on pod-identity(; not verified: \\d+ not running or terminating)?; verification pod mi-verify-[0-9a-f]{16}-[0-9a-f]{6}: caller identity arn:aws:sts::111122223333:assumed-role/eks-payments-reconciler/eks-${cluster}-mi-verify-`,
            ),
          );
          assert.equal(verify.warnings, undefined, `${cluster} ${name}: the in-pod probe never ran, so no warning`);
        }
      }
      // The restart check comes after the soak, and before the next cluster starts.
      const a = gate.clusters[0]!;
      const order = a.steps.map((s) => s.step);
      assert.deepEqual(order.slice(order.indexOf('soak')), ['soak', 'recheck']);
      assert.match(
        step(gate, 'sandbox-a', 'recheck').detail ?? '',
        /^restarted again, rollout complete: deployment\/reconciler; 2 pod\(s\) on pod-identity(; not verified: \d+ not running or terminating)?; verification pod /,
      );
      const calls = await h.fleet.control.calls();
      assert.equal(calls['sandbox-a:exec'], undefined, '--verify-with pod: no exec in the app pods');
      assert.equal(calls['sandbox-a:createPod'], 2);
      assert.deepEqual(await verificationPodsLeft(h.fleet), []);

      await handle.executeUpdate(decisionUpdate, { args: [{ decision: 'approve', by: APPROVER }] });
      const final = await h.service.result(input.serviceAccount);
      assert.equal(final.phase, 'Completed', JSON.stringify(final.failure));
      assert.match(
        step(final, 'sandbox-b', 'cleanup-verify').detail ?? '',
        /verification pod mi-verify-.*eks-sandbox-b-/,
      );
      assert.deepEqual(await verificationPodsLeft(h.fleet), []);
    } finally {
      await h.stop();
    }
  });

  test('the verification pod refused (an API error creating it) fails the step and rolls the fleet back', async () => {
    const h = await startHarness(env, { deps: PROBE_DEPS });
    try {
      const before = await h.fleet.control.essentials();
      await h.fleet.control.setFault({ cluster: 'sandbox-b', step: 'probe-pod', kind: 'error' });
      const input = migrationInput({ soakSeconds: 0 }, { clusters: CLUSTERS });
      await h.service.start(input);
      const handle = env.client.workflow.getHandle(workflowIdFor(input.serviceAccount));
      await advanceUntil(env, handle, (s) => ['RolledBack', 'RollbackFailed', 'AwaitingApproval'].includes(s.phase));
      const final = await h.service.result(input.serviceAccount);
      assert.equal(final.phase, 'RolledBack', JSON.stringify(final.failure));
      assert.equal(final.failure?.cluster, 'sandbox-b');
      assert.equal(final.failure?.step, 'verify');
      assert.match(final.failure?.message ?? '', /probe-pod error/);
      assert.deepEqual(await h.fleet.control.essentials(), before);
      assert.deepEqual(await verificationPodsLeft(h.fleet), []);
    } finally {
      await h.stop();
    }
  });

  test('a worker killed while its verification pod runs: the next worker sweeps that pod and verifies again', async () => {
    const file = join(dir, 'fleet.json');
    const taskQueue = `verification-kill-${Date.now()}`;
    const fleet = createSandboxFleet({ file, consistencyDelayMs: 0, podStartMs: 5 });
    await distrolessApps(fleet);
    // The first verification pod in sandbox-a never starts: the first worker is still waiting for it when killed.
    await fleet.control.setFault({ cluster: 'sandbox-a', step: 'probe-pod', kind: 'stuck' });
    const child = await spawnWorker(env, taskQueue, file);
    let second: Awaited<ReturnType<typeof startHarness>> | undefined;
    try {
      await child.ready;
      const input = migrationInput({ soakSeconds: 0, consistencyWaitSeconds: 0 }, { clusters: ['sandbox-a'] });
      const { workflowId } = await new MigrationService(env.client, taskQueue, 'http://127.0.0.1:8233').start(input);
      const stuck = await waitFor('the first verification pod', async () => {
        const pods = await fleet.kubernetes.listPodsWithLabels('sandbox-a', ALL_VERIFICATION_PODS);
        return pods[0];
      });
      // The kill lands while the pod runs, not while the role lock takes in the trust step's
      // release (sent with the run's next command): a lock task retried after its hold timer
      // fired is never taken back by the time-skipping server (it refuses the completion that
      // cancels the fired timer, temporalio/sdk-java#3088), and the rollback would wait for it.
      await waitFor('the role lock to be free', async () => {
        const lock = await env.client.workflow.getHandle(roleLockWorkflowId(ROLE_ARN)).query(roleLockStateQuery);
        return lock.holder === undefined ? true : undefined;
      });
      child.process.kill('SIGKILL');
      await child.exited;
      // Dead: its pod is still there, still waiting to start, and nobody will delete it but a sweep.
      assert.equal((await fleet.kubernetes.getPod('sandbox-a', stuck.namespace, stuck.name))?.phase, 'Pending');

      second = await startHarness(env, {
        fleet: createSandboxFleet({ file, consistencyDelayMs: 0, podStartMs: 5 }),
        taskQueue,
        deps: PROBE_DEPS,
      });
      const handle = env.client.workflow.getHandle(workflowId);
      const gate = await advanceUntil(env, handle, (s) => s.phase === 'AwaitingApproval' || s.failure !== undefined, {
        stepMs: 10_000,
      });
      assert.equal(gate.phase, 'AwaitingApproval', JSON.stringify(gate.failure));
      const verify = step(gate, 'sandbox-a', 'verify');
      assert.ok(
        verify.warnings?.some((w) =>
          w.includes(`deleted verification pod ${stuck.namespace}/${stuck.name} left by an earlier attempt`),
        ),
        JSON.stringify(verify.warnings),
      );
      assert.match(verify.detail ?? '', /verification pod mi-verify-.*: caller identity arn:.*eks-sandbox-a-/);
      assert.equal(await fleet.kubernetes.getPod('sandbox-a', stuck.namespace, stuck.name), undefined);
      assert.deepEqual(await fleet.kubernetes.listPodsWithLabels('sandbox-a', ALL_VERIFICATION_PODS), []);
      await second.service.abort(input.serviceAccount, 'carol');
      assert.equal((await second.service.result(input.serviceAccount)).phase, 'RolledBack');
    } finally {
      if (child.process.exitCode === null) child.process.kill('SIGKILL');
      await second?.stop();
    }
  });
});

describe('fleet scan: verification pods nobody deleted', () => {
  test('the scan deletes those past their deadline, leaves a running one alone, and says so in its notes', async () => {
    const env = await createTimeSkippingEnv();
    const h = await startScanHarness(env);
    try {
      const stale = verificationPodSpec('payments', 'reconciler', { runKey: 'aaaaaaaaaaaaaaaa' });
      stale.annotations = { ...stale.annotations, [EXPIRES_AT_ANNOTATION]: '2020-01-01T00:00:00.000Z' };
      const current = verificationPodSpec('payments', 'reconciler', { runKey: 'bbbbbbbbbbbbbbbb' });
      await h.fleet.kubernetes.createPod('sandbox-b', stale);
      await h.fleet.kubernetes.createPod('sandbox-b', current);
      const { report } = await h.scans.scan(fleetScanInput());
      assert.ok(
        report.notes.includes(`verification pods past their deadline deleted: sandbox-b payments/${stale.name}`),
        report.notes.join('\n'),
      );
      assert.deepEqual(
        (await h.fleet.kubernetes.listPodsWithLabels('sandbox-b', ALL_VERIFICATION_PODS)).map((p) => p.name),
        [current.name],
      );
    } finally {
      await h.stop();
      await env.teardown();
    }
  });
});

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function spawnWorker(env: TestWorkflowEnvironment, taskQueue: string, file: string) {
  const bundleFile = `${file}.workflows.json`;
  writeFileSync(bundleFile, JSON.stringify(await workflowBundle()));
  const args = [env.address, env.namespace ?? 'default', taskQueue, file, bundleFile];
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/sandbox-worker-process.ts', ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker process exited ${code} before it was ready: ${stderr}`)));
  });
  return { process: child, ready, exited };
}
