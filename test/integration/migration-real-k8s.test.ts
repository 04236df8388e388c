// One migration end to end with everything real but AWS: the Temporal test server, the
// worker and its workflow bundle, the Kubernetes adapter against two kube-apiservers (kwok
// for kubelets) whose pods are mutated by a Pod Identity webhook reading the sandbox EKS.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createConsoleNotifier } from '../../src/adapters/console-notifier.js';
import { IRSA_ANNOTATION } from '../../src/domain/constants.js';
import type { MigrationState } from '../../src/domain/migration-state.js';
import { rolloutStatus } from '../../src/domain/rollout.js';
import type { WorkloadRef } from '../../src/domain/types.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import type { KubernetesPort } from '../../src/ports/kubernetes.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import type { SandboxFleet } from '../../src/sandbox/index.js';
import { MigrationService } from '../../src/temporal/migrations.js';
import { createMigrationWorker } from '../../src/temporal/worker.js';
import { decisionUpdate } from '../../workflows/messages.js';
import type { KubeCluster } from '../support/kube-cluster.js';
import { startKubeCluster } from '../support/kube-cluster.js';
import type { KubeClients } from '../support/kube-fixtures.js';
import {
  containerEnvs,
  createJob,
  createServiceAccount,
  createWorkload,
  installPodIdentityAgent,
  kubeClients,
  livePods,
  PAUSE_IMAGE,
  realKubernetesAdapter,
  refusePodsWithVariable,
  setServiceAccountAnnotation,
  waitFor,
} from '../support/kube-fixtures.js';
import { advanceUntil, APPROVER, migrationInput, ROLE_ARN } from '../support/migration-harness.js';
import type { PodIdentityWebhook } from '../support/pod-identity-webhook.js';
import { IRSA_TOKEN_FILE, POD_IDENTITY_ENV, startPodIdentityWebhook } from '../support/pod-identity-webhook.js';
import { createTimeSkippingEnv, workflowBundle } from '../support/temporal.js';

const CLUSTERS = ['sandbox-a', 'sandbox-b'] as const;
type ClusterName = (typeof CLUSTERS)[number];
const NAMESPACE = 'payments';
const SERVICE_ACCOUNT = 'reconciler';
const DEPLOYMENT: WorkloadRef = { kind: 'Deployment', namespace: NAMESPACE, name: 'reconciler' };
const REPLICAS = 2;
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
const POD_IDENTITY_URI_VAR = 'AWS_CONTAINER_CREDENTIALS_FULL_URI';

/** Awaits every start; if any failed, stops the ones that started and rethrows. */
async function startAll<T extends { stop(): Promise<void> }>(starts: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(starts);
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.allSettled(started.map((s) => s.stop()));
    throw failed.reason;
  }
  return started;
}

describe('migration workflow with the real Kubernetes adapter on two kube-apiservers', () => {
  let env: TestWorkflowEnvironment | undefined;
  let clusters: KubeCluster[] = [];
  let webhooks: PodIdentityWebhook[] = [];
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const kube = {} as Record<ClusterName, KubeClients>;
  const dirs = {} as Record<ClusterName, string>;
  let fleet: SandboxFleet;
  let port: KubernetesPort;
  let service: MigrationService;

  before(async () => {
    const [startedEnv, startedClusters] = await Promise.allSettled([
      createTimeSkippingEnv(),
      startAll(CLUSTERS.map(() => startKubeCluster({ nodes: 2 }))),
    ]);
    // Keep whatever started, so `after` stops it even when the other failed.
    if (startedEnv.status === 'fulfilled') env = startedEnv.value;
    if (startedClusters.status === 'fulfilled') clusters = startedClusters.value;
    if (startedEnv.status === 'rejected') throw startedEnv.reason;
    if (startedClusters.status === 'rejected') throw startedClusters.reason;
    if (env === undefined) throw new Error('unreachable: the Temporal test server did not start');
    fleet = createSandboxFleet({ consistencyDelayMs: 0 });
    for (const [i, name] of CLUSTERS.entries()) {
      kube[name] = kubeClients(clusters[i]!.kubeconfigPath);
      dirs[name] = clusters[i]!.dir;
    }
    webhooks = await startAll(
      CLUSTERS.map((cluster) =>
        startPodIdentityWebhook({ clients: kube[cluster], cluster, eks: fleet.eks, region: 'us-east-1' }),
      ),
    );
    port = realKubernetesAdapter(Object.fromEntries(CLUSTERS.map((c, i) => [c, clusters[i]!.kubeconfigPath])));
    await Promise.all(
      CLUSTERS.map(async (cluster) => {
        const k = kube[cluster];
        await createServiceAccount(k, NAMESPACE, SERVICE_ACCOUNT, { [IRSA_ANNOTATION]: ROLE_ARN });
        await createWorkload(k, { ...DEPLOYMENT, serviceAccount: SERVICE_ACCOUNT, replicas: REPLICAS });
        await installPodIdentityAgent(k);
      }),
    );

    const taskQueue = `real-k8s-${randomUUID()}`;
    worker = await createMigrationWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      deps: {
        eks: fleet.eks,
        iam: fleet.iam,
        kubernetes: port,
        // The workflow's own state is what the tests read; notifications go nowhere.
        notifier: createConsoleNotifier(() => undefined),
        rolloutPollMs: 200,
      },
      workflowBundle: await workflowBundle(),
    });
    running = worker.run();
    service = new MigrationService(env.client, taskQueue, 'http://127.0.0.1:8233');
  });

  after(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running?.catch(() => undefined);
    await Promise.allSettled(webhooks.map((w) => w.stop()));
    await Promise.allSettled(clusters.map((c) => c.stop()));
    await env?.teardown();
  });

  /** Live pods of the service account with every container's env. */
  async function podEnvs(cluster: ClusterName) {
    const pods = await livePods(kube[cluster], NAMESPACE, SERVICE_ACCOUNT);
    return pods.map((p) => ({ name: p.metadata?.name ?? '', uid: p.metadata?.uid ?? '', envs: containerEnvs(p) }));
  }

  const onIrsa = (env: Record<string, string>) =>
    env.AWS_ROLE_ARN === ROLE_ARN &&
    env.AWS_WEB_IDENTITY_TOKEN_FILE === IRSA_TOKEN_FILE &&
    env[POD_IDENTITY_URI_VAR] === undefined;
  const onPodIdentity = (env: Record<string, string>) =>
    Object.entries(POD_IDENTITY_ENV).every(([k, v]) => env[k] === v) &&
    env.AWS_ROLE_ARN === undefined &&
    env.AWS_WEB_IDENTITY_TOKEN_FILE === undefined;

  async function assertPods(cluster: ClusterName, path: 'irsa' | 'pod-identity') {
    const pods = await podEnvs(cluster);
    assert.equal(pods.length, REPLICAS, `${cluster}: ${REPLICAS} live pods`);
    for (const pod of pods) {
      for (const env of pod.envs) {
        assert.ok((path === 'irsa' ? onIrsa : onPodIdentity)(env), `${cluster} ${pod.name}: ${JSON.stringify(env)}`);
      }
    }
    return pods;
  }

  /** Both clusters on IRSA with the annotation, the sandbox AWS as seeded: each test starts here. */
  async function resetToIrsa(): Promise<void> {
    await fleet.control.reset();
    await Promise.all(
      CLUSTERS.map(async (cluster) => {
        const k = kube[cluster];
        await setServiceAccountAnnotation(k, NAMESPACE, SERVICE_ACCOUNT, IRSA_ANNOTATION, ROLE_ARN);
        const pods = await podEnvs(cluster);
        if (pods.length !== REPLICAS || !pods.every((p) => p.envs.every(onIrsa))) {
          const d = await k.apps.readNamespacedDeployment({ namespace: NAMESPACE, name: DEPLOYMENT.name });
          const template = d.spec!.template;
          template.metadata = {
            ...template.metadata,
            annotations: { ...template.metadata?.annotations, [RESTARTED_AT]: new Date().toISOString() },
          };
          await k.apps.replaceNamespacedDeployment({ namespace: NAMESPACE, name: DEPLOYMENT.name, body: d });
        }
        await waitFor(`${cluster}: pods back on IRSA`, async () => {
          const status = rolloutStatus(await port.getWorkloadStatus(cluster, DEPLOYMENT));
          const now = await podEnvs(cluster);
          return status.state === 'done' && now.length === REPLICAS && now.every((p) => p.envs.every(onIrsa))
            ? true
            : undefined;
        });
      }),
    );
  }

  /**
   * Read-modify-replace, retried on 409 Conflict: the deployment controller updates the
   * object's status between our read and our replace (optimistic concurrency, as
   * `kubectl edit` and client-go's RetryOnConflict handle it).
   */
  async function setProgressDeadline(k: KubeClients, seconds: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const d = await k.apps.readNamespacedDeployment({ namespace: NAMESPACE, name: DEPLOYMENT.name });
      d.spec!.progressDeadlineSeconds = seconds;
      try {
        await k.apps.replaceNamespacedDeployment({ namespace: NAMESPACE, name: DEPLOYMENT.name, body: d });
        return;
      } catch (err) {
        if ((err as { code?: number }).code !== 409 || attempt >= 5) throw err;
      }
    }
  }

  async function annotation(cluster: ClusterName): Promise<string | undefined> {
    const sa = await kube[cluster].core.readNamespacedServiceAccount({ namespace: NAMESPACE, name: SERVICE_ACCOUNT });
    return sa.metadata?.annotations?.[IRSA_ANNOTATION];
  }

  async function probeRuns(cluster: ClusterName, file: string): Promise<number> {
    // kwok runs exec commands on this machine, in <cluster dir>/exec.
    const text = await readFile(join(dirs[cluster], 'exec', file), 'utf8').catch(() => '');
    return text.split('\n').filter(Boolean).length;
  }

  function stepDetail(state: MigrationState, cluster: string, step: string): string {
    const record = state.clusters.find((c) => c.cluster === cluster)?.steps.find((s) => s.step === step);
    assert.equal(record?.status, 'succeeded', `${cluster} ${step}: ${record?.detail ?? 'not run'}`);
    return record.detail ?? '';
  }

  test('migrates both clusters to Pod Identity, then removes the IRSA annotation after approval', async () => {
    await resetToIrsa();
    const seeded = new Map(
      await Promise.all(CLUSTERS.map(async (c) => [c, new Set((await podEnvs(c)).map((p) => p.uid))] as const)),
    );
    const input = migrationInput(
      // kwok's exec runs on the host, where no `aws` is: a probe that exists there and leaves a trace.
      { soakSeconds: 60, rolloutTimeoutSeconds: 120, verifyCommand: ['sh', '-c', 'echo probe >> probe-happy.log'] },
      { clusters: [...CLUSTERS] },
    );
    const { workflowId } = await service.start(input);
    const handle = env!.client.workflow.getHandle(workflowId);
    const gate = await advanceUntil(env!, handle, (s) => s.phase === 'AwaitingApproval' || s.failure !== undefined);
    assert.equal(gate.phase, 'AwaitingApproval', JSON.stringify(gate.failure));
    for (const cluster of CLUSTERS) {
      // Switched, with the annotation kept as the fallback until approval.
      assert.equal(await annotation(cluster), ROLE_ARN);
      await assertPods(cluster, 'pod-identity');
      assert.match(stepDetail(gate, cluster, 'verify'), new RegExp(`^${REPLICAS} pod\\(s\\) on pod-identity;`));
    }

    await handle.executeUpdate(decisionUpdate, { args: [{ decision: 'approve', by: APPROVER }] });
    const final = await service.result(input.serviceAccount);
    assert.equal(final.phase, 'Completed', JSON.stringify(final.failure));
    assert.deepEqual(
      final.clusters.map((c) => c.status),
      ['cleaned', 'cleaned'],
    );
    for (const cluster of CLUSTERS) {
      assert.equal(await annotation(cluster), undefined, `${cluster}: IRSA annotation removed`);
      const d = await kube[cluster].apps.readNamespacedDeployment({ namespace: NAMESPACE, name: DEPLOYMENT.name });
      const restartedAt = d.spec?.template.metadata?.annotations?.[RESTARTED_AT];
      assert.ok(restartedAt, `${cluster}: pod template restarted`);
      const pods = await assertPods(cluster, 'pod-identity');
      assert.ok(
        pods.every((p) => !seeded.get(cluster)?.has(p.uid)),
        `${cluster}: every live pod was created by the migration`,
      );
      // The probe ran in one pod per workload at each verification (migration and cleanup).
      assert.equal(await probeRuns(cluster, 'probe-happy.log'), 2, `${cluster}: probe runs`);
      assert.match(
        stepDetail(final, cluster, 'cleanup-verify'),
        new RegExp(
          `^${REPLICAS} pod\\(s\\) on pod-identity; caller identity Deployment/reconciler: verify command succeeded`,
        ),
      );
    }
    assert.equal((await fleet.control.essentials()).associations.length, 2);
    for (const w of webhooks)
      assert.ok(w.admitted.some((a) => a.pod.startsWith(`${NAMESPACE}/`) && a.injected === 'pod-identity'));
  });

  test('a rollout that fails in the second cluster during cleanup rolls both clusters back to IRSA', async () => {
    await resetToIrsa();
    const b = kube['sandbox-b'];
    let allowPodIdentity: (() => Promise<void>) | undefined;
    try {
      const input = migrationInput(
        {
          soakSeconds: 0,
          // The rollback waits this long (a durable timer) after deleting an association, before it restarts.
          consistencyWaitSeconds: 30,
          rolloutTimeoutSeconds: 120,
          verifyCommand: ['sh', '-c', 'echo probe >> probe-rollback.log'],
        },
        { clusters: [...CLUSTERS] },
      );
      await service.start(input);
      const handle = env!.client.workflow.getHandle(workflowIdFor(input.serviceAccount));
      const gate = await advanceUntil(env!, handle, (s) => s.phase === 'AwaitingApproval' || s.failure !== undefined);
      assert.equal(gate.phase, 'AwaitingApproval', JSON.stringify(gate.failure));

      // Only now, so the migration's restart passed and only the cleanup restart fails: cluster B
      // starts refusing Pod Identity pods, and its Deployment gives up on a stuck rollout fast.
      allowPodIdentity = await refusePodsWithVariable(b, NAMESPACE, POD_IDENTITY_URI_VAR);
      await setProgressDeadline(b, 2);

      await handle.executeUpdate(decisionUpdate, { args: [{ decision: 'approve', by: APPROVER }] });
      const failed = await advanceUntil(
        env!,
        handle,
        (s) => s.phase !== 'CleaningUp' && s.phase !== 'AwaitingApproval',
      );
      assert.equal(failed.phase, 'RollingBack', JSON.stringify(failed.failure));
      // Rollback restarts only after a durable timer (the association's consistency wait),
      // which cannot pass until the next advance: its rollout gets the usual deadline back.
      await setProgressDeadline(b, 600);
      const final = await advanceUntil(env!, handle, (s) =>
        ['RolledBack', 'RollbackFailed', 'Completed'].includes(s.phase),
      );
      assert.equal(final.phase, 'RolledBack', JSON.stringify(final.failure));
      assert.equal(final.failure?.type, 'RolloutFailed');
      assert.equal(final.failure?.cluster, 'sandbox-b');
      assert.equal(final.failure?.step, 'cleanup-restart');
      assert.match(final.failure?.message ?? '', /exceeded its progress deadline/);
      assert.equal(final.manualSteps, undefined);
      assert.deepEqual(
        final.clusters.map((c) => c.status),
        ['rolled-back', 'rolled-back'],
      );

      for (const cluster of CLUSTERS) {
        const steps = final.clusters.find((c) => c.cluster === cluster)!.steps;
        assert.ok(
          steps.some((s) => s.step === 'remove-annotation' && s.status === 'succeeded'),
          cluster,
        );
        assert.match(stepDetail(final, cluster, 'rollback-restore-annotation'), /IRSA annotation restored/);
        assert.match(stepDetail(final, cluster, 'rollback-verify'), new RegExp(`^${REPLICAS} pod\\(s\\) on irsa;`));
        assert.equal(await annotation(cluster), ROLE_ARN, `${cluster}: IRSA annotation restored`);
        await assertPods(cluster, 'irsa');
        const status = rolloutStatus(await port.getWorkloadStatus(cluster, DEPLOYMENT));
        assert.equal(status.state, 'done', `${cluster}: ${status.message}`);
      }
      // A: verify, cleanup-verify, rollback-verify; B: verify, rollback-verify (its cleanup never got there).
      assert.equal(await probeRuns('sandbox-a', 'probe-rollback.log'), 3);
      assert.equal(await probeRuns('sandbox-b', 'probe-rollback.log'), 2);
      assert.deepEqual((await fleet.control.essentials()).associations, []);
    } finally {
      await allowPodIdentity?.();
      await setProgressDeadline(b, 600);
    }
  });
  test("a Job's finished pod shares the service account and the probe is not in the image: verified with warnings, completed", async () => {
    await resetToIrsa();
    const a = kube['sandbox-a'];
    const job = 'backfill';
    const jobPods = async () =>
      (await a.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `app=${job}` })).items;
    try {
      // Its pod was admitted on IRSA and, finished, stays listed, never restarted by a rollout.
      await createJob(a, { namespace: NAMESPACE, name: job, serviceAccount: SERVICE_ACCOUNT });
      await waitFor("the Job's pod to finish", async () =>
        (await jobPods()).some((p) => p.status?.phase === 'Succeeded') ? true : undefined,
      );
      const input = migrationInput(
        {
          soakSeconds: 0,
          rolloutTimeoutSeconds: 120,
          // kwok runs exec on this machine: a program it cannot have, as a kubelet on containerd
          // answers for an image without the AWS CLI (an InternalError, not exit 127).
          verifyCommand: ['migrate-identity-probe-not-installed', 'sts', 'get-caller-identity'],
        },
        { clusters: [...CLUSTERS] },
      );
      const { workflowId } = await service.start(input);
      const handle = env!.client.workflow.getHandle(workflowId);
      const gate = await advanceUntil(
        env!,
        handle,
        (st) => st.phase === 'AwaitingApproval' || st.failure !== undefined,
      );
      assert.equal(gate.phase, 'AwaitingApproval', JSON.stringify(gate.failure));
      assert.ok(
        gate.findings.some((f) => f.code === 'job-not-restarted' && f.message.includes(`Job ${NAMESPACE}/${job}`)),
      );
      for (const cluster of CLUSTERS) {
        const verify = gate.clusters.find((c) => c.cluster === cluster)!.steps.find((st) => st.step === 'verify')!;
        assert.match(stepDetail(gate, cluster, 'verify'), new RegExp(`^${REPLICAS} pod\\(s\\) on pod-identity`));
        assert.equal(verify.warnings?.length, 1, JSON.stringify(verify.warnings));
        assert.match(
          verify.warnings[0]!,
          /probe unavailable in reconciler-.*: executable file not found in \$PATH\): environment checked, caller identity not$/,
        );
      }
      assert.match(stepDetail(gate, 'sandbox-a', 'verify'), /not verified: \d+ not running or terminating/);

      // Cleanup verifies with the same probe: a warning again, not a retried failure.
      await handle.executeUpdate(decisionUpdate, { args: [{ decision: 'approve', by: APPROVER }] });
      const final = await service.result(input.serviceAccount);
      assert.equal(final.phase, 'Completed', JSON.stringify(final.failure));
      for (const cluster of CLUSTERS) {
        const cleanup = final.clusters
          .find((c) => c.cluster === cluster)!
          .steps.find((st) => st.step === 'cleanup-verify');
        assert.match(
          stepDetail(final, cluster, 'cleanup-verify'),
          new RegExp(`^${REPLICAS} pod\\(s\\) on pod-identity`),
        );
        assert.match(cleanup?.warnings?.[0] ?? '', /probe unavailable in reconciler-/);
      }
    } finally {
      await a.batch.deleteNamespacedJob({ namespace: NAMESPACE, name: job, propagationPolicy: 'Background' });
      await waitFor("the Job's pods to go", async () => ((await jobPods()).length === 0 ? true : undefined));
    }
    for (const cluster of CLUSTERS) await assertPods(cluster, 'pod-identity');
  });

  test('the test webhook injects like EKS: the association wins, hand-set variables are kept', async () => {
    const k = kube['sandbox-a'];
    const other = 'webhook-check';
    const pinned = 'arn:aws:iam::111122223333:role/pinned-by-hand';
    await createServiceAccount(k, NAMESPACE, other, { [IRSA_ANNOTATION]: ROLE_ARN });
    // A dry run returns the pod as admission left it, mutations included, and creates nothing.
    const admit = async () => {
      const pod = await k.core.createNamespacedPod({
        namespace: NAMESPACE,
        dryRun: 'All',
        body: {
          metadata: { generateName: `${other}-` },
          spec: {
            serviceAccountName: other,
            containers: [
              { name: 'pinned', image: PAUSE_IMAGE, env: [{ name: 'AWS_ROLE_ARN', value: pinned }] },
              { name: 'plain', image: PAUSE_IMAGE },
            ],
          },
        },
      });
      return containerEnvs(pod);
    };
    try {
      const [pinnedIrsa, plainIrsa] = await admit();
      assert.equal(pinnedIrsa?.AWS_ROLE_ARN, pinned);
      assert.equal(pinnedIrsa?.AWS_WEB_IDENTITY_TOKEN_FILE, IRSA_TOKEN_FILE);
      assert.ok(plainIrsa && onIrsa(plainIrsa), JSON.stringify(plainIrsa));
      assert.equal(plainIrsa.AWS_REGION, 'us-east-1');

      await fleet.eks.createPodIdentityAssociation({
        cluster: 'sandbox-a',
        namespace: NAMESPACE,
        serviceAccount: other,
        roleArn: ROLE_ARN,
        clientRequestToken: randomUUID(),
      });
      const [pinnedPi, plainPi] = await admit();
      assert.ok(plainPi && onPodIdentity(plainPi), JSON.stringify(plainPi));
      // Only the Pod Identity set is injected; the hand-set variable stays (preflight warns about it).
      assert.equal(pinnedPi?.AWS_ROLE_ARN, pinned);
      assert.equal(pinnedPi?.AWS_WEB_IDENTITY_TOKEN_FILE, undefined);
      assert.equal(pinnedPi?.[POD_IDENTITY_URI_VAR], POD_IDENTITY_ENV[POD_IDENTITY_URI_VAR]);
    } finally {
      await fleet.control.reset();
    }
  });
});
