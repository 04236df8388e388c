import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { rolloutStatus } from '../../src/domain/rollout.js';
import type { WorkloadKind, WorkloadRef } from '../../src/domain/types.js';
import { isPortError } from '../../src/ports/errors.js';
import { isExecNotStarted } from '../../src/domain/kubernetes.js';
import type { PodInfo } from '../../src/domain/kubernetes.js';
import type { KubernetesPort } from '../../src/ports/kubernetes.js';
import { buildVerificationPod, DEFAULT_PROBE, runSelector } from '../../src/domain/verification-pod.js';
import type { ContractSubject, MakeSubject } from './subject.js';
import { pollUntil, uniqueName } from './subject.js';

export interface WorkloadFixture {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  serviceAccount: string;
  /** Ignored for DaemonSets. */
  replicas: number;
  image: string;
  /** StatefulSets and DaemonSets; default `RollingUpdate`. */
  updateStrategy?: 'RollingUpdate' | 'OnDelete';
  /** StatefulSets: `rollingUpdate.partition`. */
  partition?: number;
  /** Pods land only on nodes with these labels; none matching leaves them Pending with no node. */
  nodeSelector?: Record<string, string>;
}

/** How the Kubernetes suite puts objects into a backend (the sandbox, a kube-apiserver with fake nodes, kind). */
export interface KubernetesFixtureDriver {
  /** The cluster name the port addresses. It has at least one schedulable Linux node. */
  readonly cluster: string;
  /** Creates the namespace too when it does not exist. */
  createServiceAccount(namespace: string, name: string, annotations?: Record<string, string>): Promise<void>;
  /** Pods start and become ready on their own (a real or fake kubelet). */
  createWorkload(workload: WorkloadFixture): Promise<void>;
  /** The node's labels as the backend stores them. */
  nodeLabels(nodeName: string): Promise<Record<string, string>>;
  /** A pod no controller owns, running (`kubectl run --restart=Never`). */
  createBarePod(pod: { namespace: string; name: string; serviceAccount: string; image: string }): Promise<void>;
  /** A Job whose one pod runs as the service account; the pod appears on its own. */
  createJob(job: { namespace: string; name: string; serviceAccount: string; image: string }): Promise<void>;
  /** An image whose pods can run commands: ships the AWS CLI, gets no AWS credentials. Needed for the exec test. */
  awsCliImage?: string;
  /** An image for workloads that only need to run. */
  image: string;
  /** How long pods may take to roll on this backend. */
  rolloutTimeoutMs: number;
  pollIntervalMs: number;
}

export function runKubernetesContract(
  name: string,
  makeSubject: MakeSubject<KubernetesPort, KubernetesFixtureDriver>,
  /** `exec: false` for backends whose pods cannot run commands (no kubelet, e.g. kwok nodes). */
  options: { exec?: boolean } = {},
): void {
  describe(name, () => {
    let subject: ContractSubject<KubernetesPort, KubernetesFixtureDriver>;
    let port: KubernetesPort;
    let driver: KubernetesFixtureDriver;

    before(async () => {
      subject = await makeSubject();
      ({ port, driver } = subject);
    });
    after(() => subject?.cleanup());

    async function workload(kind: WorkloadKind, namespace: string, serviceAccount: string, image = driver.image) {
      const ref: WorkloadRef = { kind, namespace, name: uniqueName(kind.toLowerCase()) };
      await driver.createWorkload({ ...ref, serviceAccount, replicas: 2, image });
      return ref;
    }

    async function rolledOut(ref: WorkloadRef) {
      return pollUntil(
        `${ref.kind} ${ref.name} to roll out`,
        async () => {
          const result = rolloutStatus(await port.getWorkloadStatus(driver.cluster, ref));
          assert.notEqual(result.state, 'failed', result.message);
          return result.state === 'done' ? result : undefined;
        },
        { timeoutMs: driver.rolloutTimeoutMs, intervalMs: driver.pollIntervalMs },
      );
    }

    test('getServiceAccount reads annotations; a missing one is undefined', async () => {
      const namespace = uniqueName('ns');
      await driver.createServiceAccount(namespace, 'app', { 'example.com/team': 'payments' });
      const sa = await port.getServiceAccount(driver.cluster, namespace, 'app');
      assert.equal(sa?.namespace, namespace);
      assert.equal(sa?.name, 'app');
      assert.equal(sa?.annotations['example.com/team'], 'payments');
      assert.equal(await port.getServiceAccount(driver.cluster, namespace, 'missing'), undefined);
    });

    test('setServiceAccountAnnotation sets, repeats, and removes an annotation', async () => {
      const namespace = uniqueName('ns');
      const key = 'eks.amazonaws.com/role-arn';
      const value = 'arn:aws:iam::111122223333:role/contract';
      await driver.createServiceAccount(namespace, 'app', { keep: 'me' });
      await port.setServiceAccountAnnotation(driver.cluster, namespace, 'app', key, value);
      await port.setServiceAccountAnnotation(driver.cluster, namespace, 'app', key, value);
      let sa = await port.getServiceAccount(driver.cluster, namespace, 'app');
      assert.equal(sa?.annotations[key], value);
      assert.equal(sa?.annotations.keep, 'me');
      await port.setServiceAccountAnnotation(driver.cluster, namespace, 'app', key, null);
      await port.setServiceAccountAnnotation(driver.cluster, namespace, 'app', key, null);
      sa = await port.getServiceAccount(driver.cluster, namespace, 'app');
      assert.equal(sa?.annotations[key], undefined);
      assert.equal(sa?.annotations.keep, 'me');
      await assert.rejects(port.setServiceAccountAnnotation(driver.cluster, namespace, 'missing', key, value), (e) =>
        isPortError(e, 'not-found'),
      );
    });

    // The adapter's strategic merge patch carries no resourceVersion, so the API server applies
    // it to whatever object is current, again on a storage conflict (kubernetes/kubernetes
    // staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go: "applyPatch is called every
    // time GuaranteedUpdate asks for the updated object"): concurrent patches get no 409 and
    // lose no update. The sandbox applies calls one at a time, to the same effect.
    test('concurrent setServiceAccountAnnotation calls on different keys all land, none conflicts', async () => {
      const namespace = uniqueName('ns');
      await driver.createServiceAccount(namespace, 'app', { keep: 'me' });
      const keys = ['a', 'b', 'c', 'd', 'e', 'f'].map((k) => `example.com/${k}`);
      await Promise.all(
        keys.map((key) => port.setServiceAccountAnnotation(driver.cluster, namespace, 'app', key, key)),
      );
      const sa = await port.getServiceAccount(driver.cluster, namespace, 'app');
      assert.deepEqual(
        Object.fromEntries(keys.map((key) => [key, sa?.annotations[key]])),
        Object.fromEntries(keys.map((key) => [key, key])),
      );
      assert.equal(sa?.annotations.keep, 'me');
    });

    test('listWorkloads finds the workloads that run as the service account, and no others', async () => {
      const namespace = uniqueName('ns');
      await driver.createServiceAccount(namespace, 'app');
      await driver.createServiceAccount(namespace, 'other');
      const deployment = await workload('Deployment', namespace, 'app');
      const statefulSet = await workload('StatefulSet', namespace, 'app');
      await workload('Deployment', namespace, 'other');
      const found = await port.listWorkloads(driver.cluster, namespace, 'app');
      const key = (r: WorkloadRef) => `${r.kind}/${r.namespace}/${r.name}`;
      assert.deepEqual(found.map((w) => key(w.ref)).sort(), [key(deployment), key(statefulSet)].sort());
      for (const w of found) {
        assert.equal(w.serviceAccount, 'app');
        assert.ok(w.generation >= 1);
      }
    });

    for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet'] as const) {
      test(`restartWorkload of a ${kind} sets restartedAt and rolls every pod`, async () => {
        const namespace = uniqueName('ns');
        await driver.createServiceAccount(namespace, 'app');
        const ref = await workload(kind, namespace, 'app');
        await rolledOut(ref);
        const before = await port.getWorkloadStatus(driver.cluster, ref);
        const oldUids = new Set((await port.listPods(driver.cluster, namespace, 'app')).map((p) => p.uid));
        const restartedAt = new Date().toISOString();
        await port.restartWorkload(driver.cluster, ref, restartedAt);
        const after = await port.getWorkloadStatus(driver.cluster, ref);
        assert.equal(after.restartedAt, restartedAt);
        assert.ok(after.generation > before.generation, 'a restart changes the pod template');
        await rolledOut(ref);
        const listed = await port.listWorkloads(driver.cluster, namespace, 'app');
        assert.equal(listed.find((w) => w.ref.name === ref.name)?.restartedAt, restartedAt);
        const live = (await port.listPods(driver.cluster, namespace, 'app')).filter((p) => !p.terminating);
        assert.ok(live.length > 0);
        assert.ok(
          live.every((p) => !oldUids.has(p.uid)),
          'every live pod was created by the rollout',
        );
      });
    }

    // Patching the annotation to the value it already has changes no field, so the API server
    // writes nothing and the generation stays (kubectl rollout restart sets a fresh timestamp
    // each time: kubectl/pkg/polymorphichelpers/objectrestarter.go).
    test('restartWorkload repeated with the same restartedAt starts no second rollout', async () => {
      const namespace = uniqueName('ns');
      await driver.createServiceAccount(namespace, 'app');
      const ref = await workload('Deployment', namespace, 'app');
      await rolledOut(ref);
      const restartedAt = new Date().toISOString();
      await port.restartWorkload(driver.cluster, ref, restartedAt);
      const once = await port.getWorkloadStatus(driver.cluster, ref);
      await port.restartWorkload(driver.cluster, ref, restartedAt);
      const twice = await port.getWorkloadStatus(driver.cluster, ref);
      assert.equal(twice.generation, once.generation);
      assert.equal(twice.restartedAt, restartedAt);
    });

    // The StatefulSet controller under OnDelete creates no pod for a template change
    // (kubernetes.io/docs/concepts/workloads/controllers/statefulset/#on-delete), and
    // `kubectl rollout status` refuses such a workload.
    test('restartWorkload of an OnDelete StatefulSet replaces no pod, and its rollout status is an error', async () => {
      const namespace = uniqueName('ns');
      await driver.createServiceAccount(namespace, 'app');
      const ref: WorkloadRef = { kind: 'StatefulSet', namespace, name: uniqueName('statefulset') };
      await driver.createWorkload({
        ...ref,
        serviceAccount: 'app',
        replicas: 2,
        image: driver.image,
        updateStrategy: 'OnDelete',
      });
      await pollUntil(
        'the pods to be ready',
        async () => ((await port.getWorkloadStatus(driver.cluster, ref)).readyReplicas === 2 ? true : undefined),
        { timeoutMs: driver.rolloutTimeoutMs, intervalMs: driver.pollIntervalMs },
      );
      const listed = await port.listWorkloads(driver.cluster, namespace, 'app');
      assert.equal(listed[0]?.updateStrategy, 'OnDelete');
      const uids = async () => (await port.listPods(driver.cluster, namespace, 'app')).map((p) => p.uid).sort();
      const before = await uids();
      await port.restartWorkload(driver.cluster, ref, new Date().toISOString());
      const status = await pollUntil(
        'the controller to see the new template',
        async () => {
          const s = await port.getWorkloadStatus(driver.cluster, ref);
          return s.observedGeneration >= s.generation && s.updateRevision !== s.currentRevision ? s : undefined;
        },
        { timeoutMs: driver.rolloutTimeoutMs, intervalMs: driver.pollIntervalMs },
      );
      // Long enough for a rolling update to have replaced a pod.
      await sleep(driver.pollIntervalMs * 20);
      assert.deepEqual(await uids(), before, 'no pod was replaced');
      assert.deepEqual(rolloutStatus(status), {
        state: 'failed',
        message: 'rollout status is only available for RollingUpdate strategy type',
      });
    });

    // "Pods with an ordinal that is less than the partition will not be updated"
    // (kubernetes.io/docs/concepts/workloads/controllers/statefulset/#partitions).
    test('restartWorkload of a partitioned StatefulSet replaces only the ordinals at or above the partition', async () => {
      const namespace = uniqueName('ns');
      await driver.createServiceAccount(namespace, 'app');
      const ref: WorkloadRef = { kind: 'StatefulSet', namespace, name: uniqueName('statefulset') };
      await driver.createWorkload({ ...ref, serviceAccount: 'app', replicas: 3, image: driver.image, partition: 1 });
      await rolledOut(ref);
      assert.equal((await port.listWorkloads(driver.cluster, namespace, 'app'))[0]?.partition, 1);
      const byName = async () =>
        new Map(
          (await port.listPods(driver.cluster, namespace, 'app'))
            .filter((p) => !p.terminating)
            .map((p) => [p.name, p.uid]),
        );
      const before = await byName();
      await port.restartWorkload(driver.cluster, ref, new Date().toISOString());
      const result = await pollUntil(
        'the partitioned rollout',
        async () => {
          const s = await port.getWorkloadStatus(driver.cluster, ref);
          const r = rolloutStatus(s);
          return s.observedGeneration >= s.generation && s.updatedReplicas === 2 && r.state === 'done' ? r : undefined;
        },
        { timeoutMs: driver.rolloutTimeoutMs, intervalMs: driver.pollIntervalMs },
      );
      assert.equal(result.message, 'partitioned roll out complete: 2 new pods have been updated...');
      const after = await byName();
      assert.equal(after.get(`${ref.name}-0`), before.get(`${ref.name}-0`), 'ordinal 0 is below the partition: kept');
      for (const ordinal of [1, 2]) {
        const name = `${ref.name}-${ordinal}`;
        assert.ok(after.get(name) && after.get(name) !== before.get(name), `${name} was replaced`);
      }
      const status = await port.getWorkloadStatus(driver.cluster, ref);
      assert.equal(status.partition, 1);
      assert.notEqual(status.currentRevision, status.updateRevision, 'not every pod is on the new revision');
    });

    test("listPods names each pod's controller: a Job's pod its Job, a bare pod none; listJobs lists the Job", async () => {
      const namespace = uniqueName('ns');
      await driver.createServiceAccount(namespace, 'app');
      const deployment = await workload('Deployment', namespace, 'app');
      await rolledOut(deployment);
      await driver.createBarePod({ namespace, name: 'debug', serviceAccount: 'app', image: driver.image });
      await driver.createJob({ namespace, name: 'migrate-db', serviceAccount: 'app', image: driver.image });
      const pods = await pollUntil(
        "the Job's pod",
        async () => {
          const listed = (await port.listPods(driver.cluster, namespace, 'app')).filter((p) => !p.terminating);
          return listed.some((p) => p.controller?.kind === 'Job') && listed.some((p) => p.name === 'debug')
            ? listed
            : undefined;
        },
        { timeoutMs: driver.rolloutTimeoutMs, intervalMs: driver.pollIntervalMs },
      );
      const controllers = pods.map((p) => [p.controller, p.owner]);
      assert.deepEqual(controllers.filter(([c]) => c?.kind === 'Job')[0], [
        { apiVersion: 'batch/v1', kind: 'Job', name: 'migrate-db' },
        undefined,
      ]);
      assert.deepEqual(pods.find((p) => p.name === 'debug')?.controller, undefined);
      for (const pod of pods.filter((p) => p.owner !== undefined)) {
        assert.deepEqual(pod.controller, { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.name });
      }
      const jobs = (await port.listJobs(driver.cluster, namespace)).map((j) => [
        j.kind,
        j.name,
        j.serviceAccount,
        j.cronJob,
      ]);
      assert.deepEqual(jobs, [['Job', 'migrate-db', 'app', undefined]]);
    });

    test('getWorkloadStatus of a missing workload is not-found', async () => {
      const ref: WorkloadRef = { kind: 'Deployment', namespace: uniqueName('ns'), name: 'missing' };
      await assert.rejects(port.getWorkloadStatus(driver.cluster, ref), (e) => isPortError(e, 'not-found'));
    });

    test("listPods returns the service account's pods with their owner and their node's labels", async () => {
      const namespace = uniqueName('ns');
      await driver.createServiceAccount(namespace, 'app');
      await driver.createServiceAccount(namespace, 'other');
      const ref = await workload('Deployment', namespace, 'app');
      await workload('Deployment', namespace, 'other');
      await rolledOut(ref);
      const pods = (await port.listPods(driver.cluster, namespace, 'app')).filter((p) => !p.terminating);
      assert.equal(pods.length, 2);
      for (const pod of pods) {
        assert.equal(pod.serviceAccount, 'app');
        assert.equal(pod.namespace, namespace);
        assert.deepEqual(pod.owner, ref);
        assert.ok(pod.ready);
        assert.ok(pod.nodeName, 'a ready pod is scheduled');
        assert.deepEqual(pod.nodeLabels, await driver.nodeLabels(pod.nodeName));
        assert.ok(pod.containers.length > 0);
      }
    });

    test('getDaemonSet reports scheduled and ready pods; a missing one is undefined', async () => {
      const namespace = uniqueName('ns');
      await driver.createServiceAccount(namespace, 'app');
      const ref = await workload('DaemonSet', namespace, 'app');
      await rolledOut(ref);
      const ds = await port.getDaemonSet(driver.cluster, namespace, ref.name);
      assert.equal(ds?.name, ref.name);
      assert.ok((ds?.desiredNumberScheduled ?? 0) > 0);
      assert.equal(ds?.numberReady, ds?.desiredNumberScheduled);
      assert.equal(await port.getDaemonSet(driver.cluster, namespace, 'missing'), undefined);
    });

    const refKey = (r: WorkloadRef) => `${r.kind}/${r.namespace}/${r.name}`;
    // A real API server gives every namespace a `default` service account; the sandbox models none.
    const named = (accounts: { namespace: string; name: string }[]) =>
      accounts
        .filter((sa) => sa.name !== 'default')
        .map((sa) => `${sa.namespace}/${sa.name}`)
        .sort();

    test('listServiceAccounts lists every service account with its annotations, in a namespace or the whole cluster', async () => {
      const [first, second] = [uniqueName('ns'), uniqueName('ns')];
      await driver.createServiceAccount(first, 'app', { 'example.com/team': 'payments' });
      await driver.createServiceAccount(first, 'other');
      await driver.createServiceAccount(second, 'app', {
        'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/x',
      });

      const inFirst = await port.listServiceAccounts(driver.cluster, first);
      assert.deepEqual(named(inFirst), [`${first}/app`, `${first}/other`]);
      assert.equal(inFirst.find((sa) => sa.name === 'app')?.annotations['example.com/team'], 'payments');
      assert.deepEqual(inFirst.find((sa) => sa.name === 'other')?.annotations, {});

      const everywhere = await port.listServiceAccounts(driver.cluster);
      const ours = everywhere.filter((sa) => sa.namespace === first || sa.namespace === second);
      assert.deepEqual(named(ours), [`${first}/app`, `${first}/other`, `${second}/app`].sort());
      for (const sa of ours) {
        assert.deepEqual(sa, await port.getServiceAccount(driver.cluster, sa.namespace, sa.name));
      }
      assert.deepEqual(await port.listServiceAccounts(driver.cluster, uniqueName('empty')), []);
    });

    test('listAllWorkloads lists every workload with the service account it runs as', async () => {
      const [first, second] = [uniqueName('ns'), uniqueName('ns')];
      for (const namespace of [first, second]) {
        await driver.createServiceAccount(namespace, 'app');
        await driver.createServiceAccount(namespace, 'other');
      }
      const refs = [
        await workload('Deployment', first, 'app'),
        await workload('StatefulSet', first, 'other'),
        await workload('DaemonSet', first, 'app'),
        await workload('Deployment', second, 'other'),
      ];
      const serviceAccountOf = new Map(refs.map((r, i) => [refKey(r), i % 2 === 0 ? 'app' : 'other']));

      const inFirst = await port.listAllWorkloads(driver.cluster, first);
      assert.deepEqual(inFirst.map((w) => refKey(w.ref)).sort(), refs.slice(0, 3).map(refKey).sort());
      const everywhere = await port.listAllWorkloads(driver.cluster);
      const ours = everywhere.filter((w) => serviceAccountOf.has(refKey(w.ref)));
      assert.equal(ours.length, refs.length);
      for (const w of ours) {
        assert.equal(w.serviceAccount, serviceAccountOf.get(refKey(w.ref)));
        assert.ok(w.generation >= 1);
      }
      // The same workloads the per-service-account listing finds.
      const perServiceAccount = await port.listWorkloads(driver.cluster, first, 'app');
      assert.deepEqual(
        inFirst.filter((w) => w.serviceAccount === 'app').sort((a, b) => refKey(a.ref).localeCompare(refKey(b.ref))),
        perServiceAccount.sort((a, b) => refKey(a.ref).localeCompare(refKey(b.ref))),
      );
    });

    test('listAllPods lists the pods of every service account, as listPods describes them', async () => {
      const namespace = uniqueName('ns');
      await driver.createServiceAccount(namespace, 'app');
      await driver.createServiceAccount(namespace, 'other');
      const refs = [await workload('Deployment', namespace, 'app'), await workload('StatefulSet', namespace, 'other')];
      for (const ref of refs) await rolledOut(ref);

      const live = (pods: PodInfo[]) => pods.filter((p) => !p.terminating).sort((a, b) => a.uid.localeCompare(b.uid));
      const inNamespace = live(await port.listAllPods(driver.cluster, namespace));
      assert.equal(inNamespace.length, 4);
      assert.deepEqual([...new Set(inNamespace.map((p) => refKey(p.owner!)))].sort(), refs.map(refKey).sort());
      for (const sa of ['app', 'other']) {
        assert.deepEqual(
          inNamespace.filter((p) => p.serviceAccount === sa),
          live(await port.listPods(driver.cluster, namespace, sa)),
        );
      }
      const everywhere = live(await port.listAllPods(driver.cluster));
      assert.deepEqual(
        everywhere.filter((p) => p.namespace === namespace),
        inNamespace,
      );
    });

    // The API server answers these itself, before it dials a kubelet (kubernetes/kubernetes
    // pkg/registry/core/pod/strategy.go `streamLocation`: NotFound for the pod, BadRequest
    // "container <c> is not valid for pod <p>" and "pod <p> does not have a host assigned").
    test('exec into a missing pod is not-found; into a missing container, or a pod with no node, validation', async () => {
      const namespace = uniqueName('ns');
      await driver.createServiceAccount(namespace, 'app');
      const ref = await workload('Deployment', namespace, 'app');
      await rolledOut(ref);
      const pod = (await port.listPods(driver.cluster, namespace, 'app')).find((p) => !p.terminating && p.ready);
      assert.ok(pod);
      await assert.rejects(port.exec(driver.cluster, namespace, 'no-such-pod', 'app', ['true']), (e) =>
        isPortError(e, 'not-found'),
      );
      await assert.rejects(port.exec(driver.cluster, namespace, pod.name, 'no-such-container', ['true']), (e) =>
        isPortError(e, 'validation'),
      );
      const pending: WorkloadRef = { kind: 'Deployment', namespace, name: uniqueName('pending') };
      await driver.createWorkload({
        ...pending,
        serviceAccount: 'app',
        replicas: 1,
        image: driver.image,
        nodeSelector: { 'example.com/pool': 'no-such-pool' },
      });
      const unscheduled = await pollUntil(
        'the unschedulable pod',
        async () => (await port.listPods(driver.cluster, namespace, 'app')).find((p) => p.owner?.name === pending.name),
        { timeoutMs: driver.rolloutTimeoutMs, intervalMs: driver.pollIntervalMs },
      );
      assert.equal(unscheduled.nodeName, undefined);
      assert.equal(unscheduled.phase, 'Pending');
      const container = unscheduled.containers[0]?.name;
      assert.ok(container);
      await assert.rejects(port.exec(driver.cluster, namespace, unscheduled.name, container, ['true']), (e) =>
        isPortError(e, 'validation'),
      );
    });

    // A runtime that cannot find the program answers on the exec status channel, not with an
    // exit code (kubelet ServeExec; see src/adapters/kubernetes/exec.ts). kwok runs the command
    // on its host and says so in Go's words; a kubelet on containerd in runc's.
    test('exec of a program the image lacks never starts: no exit code', async () => {
      const namespace = uniqueName('ns');
      await driver.createServiceAccount(namespace, 'app');
      const ref = await workload('Deployment', namespace, 'app');
      await rolledOut(ref);
      const pod = (await port.listPods(driver.cluster, namespace, 'app')).find((p) => !p.terminating && p.ready);
      const container = pod?.containers[0]?.name;
      assert.ok(pod && container);
      const missing = await port.exec(driver.cluster, namespace, pod.name, container, ['no-such-command-xyz', 'sts']);
      assert.ok(isExecNotStarted(missing), JSON.stringify(missing));
      assert.equal(missing.notStarted, 'executable-not-found');
      assert.match(missing.message, /exec: "no-such-command-xyz": executable file not found in \$PATH/);
    });

    // Verification pods: created as given, found by label in any namespace, deleted at once.
    function probePod(namespace: string, serviceAccount: string, runKey: string) {
      return buildVerificationPod({
        runKey,
        workflowId: `contract/${namespace}/${serviceAccount}`,
        serviceAccount: { namespace, name: serviceAccount },
        probe: { ...DEFAULT_PROBE, image: driver.image },
        scheduling: { nodeSelector: {}, tolerations: [] },
        suffix: uniqueName('p').slice(-6),
        now: new Date().toISOString(),
      });
    }

    test('createPod makes the pod as asked; listPodsWithLabels finds it; deletePod removes it at once', async () => {
      const [first, second] = [uniqueName('ns'), uniqueName('ns')];
      await driver.createServiceAccount(first, 'app');
      await driver.createServiceAccount(second, 'app');
      const runKey = uniqueName('run')
        .replace(/[^a-z0-9]/g, '')
        .slice(-16);
      const a = probePod(first, 'app', runKey);
      const b = probePod(second, 'app', runKey);
      await port.createPod(driver.cluster, a);
      await port.createPod(driver.cluster, b);
      await assert.rejects(port.createPod(driver.cluster, a), (e) => isPortError(e, 'conflict'));
      const read = await port.getPod(driver.cluster, first, a.name);
      assert.equal(read?.name, a.name);
      assert.equal(read?.labels[Object.keys(runSelector(runKey))[1] ?? ''], runKey);
      assert.ok(['Pending', 'Running', 'Succeeded', 'Failed'].includes(read?.phase ?? ''), read?.phase);
      const listed = await port.listPodsWithLabels(driver.cluster, runSelector(runKey));
      assert.deepEqual(
        listed.map((p) => `${p.namespace}/${p.name}`).sort(),
        [`${first}/${a.name}`, `${second}/${b.name}`].sort(),
      );
      assert.deepEqual(listed.find((p) => p.name === a.name)?.annotations, a.annotations);
      const inFirst = await port.listPodsWithLabels(driver.cluster, runSelector(runKey), first);
      assert.deepEqual(
        inFirst.map((p) => p.name),
        [a.name],
      );
      await port.deletePod(driver.cluster, first, a.name);
      await port.deletePod(driver.cluster, first, a.name);
      assert.equal(await port.getPod(driver.cluster, first, a.name), undefined);
      await port.deletePod(driver.cluster, second, b.name);
      assert.deepEqual(await port.listPodsWithLabels(driver.cluster, runSelector(runKey)), []);
    });

    test('createPod for a service account that does not exist is refused by admission', async () => {
      const namespace = uniqueName('ns');
      await driver.createServiceAccount(namespace, 'app');
      await assert.rejects(port.createPod(driver.cluster, probePod(namespace, 'missing', 'feedfacefeedface')), (e) => {
        assert.ok(isPortError(e, 'access-denied'), String(e));
        assert.match(e.message, /serviceaccount "missing" not found/);
        return true;
      });
    });

    test("getPodScheduling reads the workload template's node selector and tolerations", async () => {
      const namespace = uniqueName('ns');
      await driver.createServiceAccount(namespace, 'app');
      const ref = await workload('Deployment', namespace, 'app');
      assert.deepEqual(await port.getPodScheduling(driver.cluster, ref), { nodeSelector: {}, tolerations: [] });
      await assert.rejects(port.getPodScheduling(driver.cluster, { ...ref, name: 'missing' }), (e) =>
        isPortError(e, 'not-found'),
      );
    });

    if (options.exec !== false) {
      test('exec returns the exit code and output of a command in a pod', async () => {
        const image = driver.awsCliImage;
        assert.ok(image, 'the driver names an image with the AWS CLI');
        const namespace = uniqueName('ns');
        await driver.createServiceAccount(namespace, 'app');
        const ref = await workload('Deployment', namespace, 'app', image);
        await rolledOut(ref);
        const pod = (await port.listPods(driver.cluster, namespace, 'app')).find((p) => !p.terminating);
        const container = pod?.containers[0]?.name;
        assert.ok(pod && container);
        const probe = ['aws', 'sts', 'get-caller-identity'];
        const result = await port.exec(driver.cluster, namespace, pod.name, container, probe);
        assert.ok(!isExecNotStarted(result), 'the AWS CLI runs');
        assert.equal(result.exitCode, 253);
        assert.match(result.stderr, /Unable to locate credentials/);
        const missing = await port.exec(driver.cluster, namespace, pod.name, container, ['no-such-command-xyz']);
        assert.ok(isExecNotStarted(missing), 'a missing binary never starts: no exit code');
      });
    }
  });
}
