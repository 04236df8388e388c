// The real Kubernetes adapter against a real kube-apiserver (kwok for kubelets): what the
// migration relies on, checked by reading the API server's own record with a separate client.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { evaluateCluster } from '../../src/domain/cluster-checks.js';
import type { ClusterFacts } from '../../src/domain/cluster-checks.js';
import { AGENT_DAEMONSET, IRSA_ANNOTATION } from '../../src/domain/constants.js';
import { rolloutStatus } from '../../src/domain/rollout.js';
import type { RolloutResult } from '../../src/domain/rollout.js';
import type { WorkloadRef } from '../../src/domain/types.js';
import { isPortError } from '../../src/ports/errors.js';
import type { ServiceAccountInfo } from '../../src/domain/kubernetes.js';
import type { KubernetesPort } from '../../src/ports/kubernetes.js';
import { uniqueName } from '../contract/subject.js';
import type { KubeCluster } from '../support/kube-cluster.js';
import { startKubeCluster } from '../support/kube-cluster.js';
import type { KubeClients, WorkloadSpec } from '../support/kube-fixtures.js';
import { readClusterFacts } from '../../activities/cluster-facts.js';
import { isExecNotStarted } from '../../src/domain/kubernetes.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import {
  createArgoRollout,
  createBarePod,
  createCronJobWithRun,
  createFakeNode,
  createServiceAccount,
  createWorkload,
  installPodIdentityAgent,
  kubeClients,
  livePods,
  nodeLabels,
  PAUSE_IMAGE,
  realKubernetesAdapter,
  waitFor,
} from '../support/kube-fixtures.js';

const CLUSTER = 'real';
const ROLE_ARN = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';
const FARGATE_TAINT = { key: 'eks.amazonaws.com/compute-type', value: 'fargate', effect: 'NoSchedule' };
const WINDOWS_TAINT = { key: 'os', value: 'windows', effect: 'NoSchedule' };

describe('Kubernetes adapter on a real kube-apiserver', () => {
  let cluster: KubeCluster | undefined;
  let k: KubeClients;
  let port: KubernetesPort;

  before(async () => {
    cluster = await startKubeCluster({ nodes: 2 });
    k = kubeClients(cluster.kubeconfigPath);
    port = realKubernetesAdapter({ [CLUSTER]: cluster.kubeconfigPath });
    // Tainted like the real thing, so only pods that ask for them land there.
    await createFakeNode(k, {
      name: 'fargate-ip-10-0-9-10',
      labels: { 'eks.amazonaws.com/compute-type': 'fargate' },
      taints: [FARGATE_TAINT],
    });
    await createFakeNode(k, {
      name: 'windows-node-0',
      labels: { 'kubernetes.io/os': 'windows' },
      taints: [WINDOWS_TAINT],
    });
    await installPodIdentityAgent(k);
  });
  after(() => cluster?.stop());

  async function workload(spec: Omit<WorkloadSpec, 'name'> & { name?: string }): Promise<WorkloadRef> {
    return createWorkload(k, { name: uniqueName(spec.kind.toLowerCase()), ...spec });
  }

  /** Polls by `kubectl rollout status` rules until the rollout is no longer progressing. */
  async function settled(ref: WorkloadRef): Promise<RolloutResult> {
    return waitFor(
      `${ref.kind} ${ref.name} to settle`,
      async () => {
        const result = rolloutStatus(await port.getWorkloadStatus(CLUSTER, ref));
        return result.state === 'progressing' ? undefined : result;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
  }

  async function rolledOut(ref: WorkloadRef): Promise<void> {
    const result = await settled(ref);
    assert.equal(result.state, 'done', result.message);
  }

  test("getServiceAccount reads a service account's annotations; a missing one is undefined", async () => {
    const namespace = uniqueName('ns');
    await createServiceAccount(k, namespace, 'app', { [IRSA_ANNOTATION]: ROLE_ARN, 'example.com/team': 'payments' });
    const sa = await port.getServiceAccount(CLUSTER, namespace, 'app');
    assert.deepEqual(sa, {
      namespace,
      name: 'app',
      annotations: { [IRSA_ANNOTATION]: ROLE_ARN, 'example.com/team': 'payments' },
    });
    await createServiceAccount(k, namespace, 'bare');
    assert.deepEqual((await port.getServiceAccount(CLUSTER, namespace, 'bare'))?.annotations, {});
    assert.equal(await port.getServiceAccount(CLUSTER, namespace, 'missing'), undefined);
  });

  test('setServiceAccountAnnotation really patches the object, and writes nothing when already so', async () => {
    const namespace = uniqueName('ns');
    await createServiceAccount(k, namespace, 'bare');
    await createServiceAccount(k, namespace, 'app', { 'example.com/team': 'payments' });
    const raw = async (name: string) => k.core.readNamespacedServiceAccount({ namespace, name });

    // A service account with no annotations map at all.
    await port.setServiceAccountAnnotation(CLUSTER, namespace, 'bare', IRSA_ANNOTATION, ROLE_ARN);
    assert.deepEqual((await raw('bare')).metadata?.annotations, { [IRSA_ANNOTATION]: ROLE_ARN });

    await port.setServiceAccountAnnotation(CLUSTER, namespace, 'app', IRSA_ANNOTATION, ROLE_ARN);
    const added = await raw('app');
    assert.deepEqual(added.metadata?.annotations, { 'example.com/team': 'payments', [IRSA_ANNOTATION]: ROLE_ARN });
    await port.setServiceAccountAnnotation(CLUSTER, namespace, 'app', IRSA_ANNOTATION, ROLE_ARN);
    assert.equal((await raw('app')).metadata?.resourceVersion, added.metadata?.resourceVersion, 'no write');

    await port.setServiceAccountAnnotation(CLUSTER, namespace, 'app', IRSA_ANNOTATION, null);
    const removed = await raw('app');
    assert.deepEqual(removed.metadata?.annotations, { 'example.com/team': 'payments' });
    await port.setServiceAccountAnnotation(CLUSTER, namespace, 'app', IRSA_ANNOTATION, null);
    assert.equal((await raw('app')).metadata?.resourceVersion, removed.metadata?.resourceVersion, 'no write');

    await assert.rejects(
      port.setServiceAccountAnnotation(CLUSTER, namespace, 'missing', IRSA_ANNOTATION, ROLE_ARN),
      (e) => isPortError(e, 'not-found'),
    );
  });

  test('listWorkloads finds the Deployments, StatefulSets and DaemonSets running as the service account, nothing else', async () => {
    const namespace = uniqueName('ns');
    await createServiceAccount(k, namespace, 'app');
    await createServiceAccount(k, namespace, 'other');
    const mine = [
      await workload({ kind: 'Deployment', namespace, serviceAccount: 'app' }),
      await workload({ kind: 'StatefulSet', namespace, serviceAccount: 'app' }),
      await workload({ kind: 'DaemonSet', namespace, serviceAccount: 'app' }),
    ];
    await workload({ kind: 'Deployment', namespace, serviceAccount: 'other' });
    await workload({ kind: 'DaemonSet', namespace, serviceAccount: 'other' });
    // Runs as `app` but is no workload a rollout restart could reach.
    await k.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'bare-pod' },
        spec: { serviceAccountName: 'app', containers: [{ name: 'app', image: PAUSE_IMAGE }] },
      },
    });
    await k.apps.createNamespacedReplicaSet({
      namespace,
      body: {
        metadata: { name: 'bare-replicaset' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'bare-replicaset' } },
          template: {
            metadata: { labels: { app: 'bare-replicaset' } },
            spec: { serviceAccountName: 'app', containers: [{ name: 'app', image: PAUSE_IMAGE }] },
          },
        },
      },
    });
    const found = await port.listWorkloads(CLUSTER, namespace, 'app');
    const key = (r: WorkloadRef) => `${r.kind}/${r.namespace}/${r.name}`;
    assert.deepEqual(found.map((w) => key(w.ref)).sort(), mine.map(key).sort());
    for (const w of found) {
      assert.equal(w.serviceAccount, 'app');
      assert.equal(w.generation, 1);
      assert.equal(w.restartedAt, undefined);
    }
  });

  for (const kind of ['Deployment', 'StatefulSet'] as const) {
    test(`restartWorkload of a ${kind} rolls it like \`kubectl rollout restart\` and rolloutStatus sees it done`, async () => {
      const namespace = uniqueName('ns');
      await createServiceAccount(k, namespace, 'app');
      const ref = await workload({ kind, namespace, serviceAccount: 'app', replicas: 2 });
      await rolledOut(ref);
      const oldUids = new Set((await livePods(k, namespace, 'app')).map((p) => p.metadata?.uid));
      assert.equal(oldUids.size, 2);

      const restartedAt = new Date().toISOString();
      await port.restartWorkload(CLUSTER, ref, restartedAt);
      const raw =
        kind === 'Deployment'
          ? await k.apps.readNamespacedDeployment({ namespace, name: ref.name })
          : await k.apps.readNamespacedStatefulSet({ namespace, name: ref.name });
      assert.equal(raw.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'], restartedAt);
      assert.equal(raw.metadata?.generation, 2);
      // The same restartedAt again (an activity retry) changes nothing and starts no second rollout.
      await port.restartWorkload(CLUSTER, ref, restartedAt);
      assert.equal((await port.getWorkloadStatus(CLUSTER, ref)).generation, 2);

      await rolledOut(ref);
      const status = await port.getWorkloadStatus(CLUSTER, ref);
      assert.equal(status.restartedAt, restartedAt);
      assert.equal(status.observedGeneration, 2);
      const live = await livePods(k, namespace, 'app');
      assert.equal(live.length, 2);
      for (const pod of live) {
        assert.ok(!oldUids.has(pod.metadata?.uid), `${pod.metadata?.name} was created by the rollout`);
        assert.equal(pod.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'], restartedAt);
      }
    });
  }

  test('a Deployment whose new pods can never run ends failed with ProgressDeadlineExceeded', async () => {
    const namespace = uniqueName('ns');
    await createServiceAccount(k, namespace, 'app');
    const ref = await workload({ kind: 'Deployment', namespace, serviceAccount: 'app', progressDeadlineSeconds: 2 });
    await rolledOut(ref);
    // A template change whose pods stay Pending: no node matches.
    const deployment = await k.apps.readNamespacedDeployment({ namespace, name: ref.name });
    deployment.spec!.template.spec!.nodeSelector = { 'example.com/pool': 'does-not-exist' };
    await k.apps.replaceNamespacedDeployment({ namespace, name: ref.name, body: deployment });

    const result = await settled(ref);
    assert.equal(result.state, 'failed', result.message);
    assert.match(result.message, /exceeded its progress deadline/);
    const status = await port.getWorkloadStatus(CLUSTER, ref);
    const progressing = status.conditions.find((c) => c.type === 'Progressing');
    assert.equal(progressing?.status, 'False');
    assert.equal(progressing?.reason, 'ProgressDeadlineExceeded');
    // The old pod keeps serving: the stuck rollout never took it down.
    const pods = await port.listPods(CLUSTER, namespace, 'app');
    assert.equal(pods.filter((p) => p.ready).length, 1);
    assert.equal(pods.filter((p) => p.phase === 'Pending' && p.nodeName === undefined).length, 1);
  });

  test('listPods carries env and node labels, and preflight flags Fargate, Windows and proxy pods', async () => {
    const namespace = uniqueName('ns');
    await createServiceAccount(k, namespace, 'edge', { [IRSA_ANNOTATION]: ROLE_ARN });
    const onFargate = await workload({
      kind: 'Deployment',
      namespace,
      name: 'on-fargate',
      serviceAccount: 'edge',
      nodeSelector: { 'eks.amazonaws.com/compute-type': 'fargate' },
      tolerations: [{ ...FARGATE_TAINT, operator: 'Equal' }],
    });
    const onWindows = await workload({
      kind: 'Deployment',
      namespace,
      name: 'on-windows',
      serviceAccount: 'edge',
      nodeSelector: { 'kubernetes.io/os': 'windows' },
      tolerations: [{ ...WINDOWS_TAINT, operator: 'Equal' }],
    });
    const onLinux = await workload({
      kind: 'Deployment',
      namespace,
      name: 'on-linux',
      serviceAccount: 'edge',
      env: [
        { name: 'HTTPS_PROXY', value: 'http://squid.egress.svc:3128' },
        { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
      ],
    });
    for (const ref of [onFargate, onWindows, onLinux]) await rolledOut(ref);

    const pods = await port.listPods(CLUSTER, namespace, 'edge');
    assert.equal(pods.length, 3);
    const byOwner = new Map(pods.map((p) => [p.owner?.name, p]));
    for (const pod of pods) {
      assert.ok(pod.nodeName);
      assert.deepEqual(pod.nodeLabels, await nodeLabels(k, pod.nodeName));
      assert.equal(pod.phase, 'Running');
      assert.ok(pod.ready);
    }
    assert.equal(byOwner.get('on-fargate')?.nodeName, 'fargate-ip-10-0-9-10');
    assert.equal(byOwner.get('on-windows')?.nodeLabels['kubernetes.io/os'], 'windows');
    assert.deepEqual(byOwner.get('on-linux')?.containers, [
      { name: 'app', image: PAUSE_IMAGE, env: { HTTPS_PROXY: 'http://squid.egress.svc:3128', DB_PASSWORD: '' } },
    ]);

    const facts: ClusterFacts = {
      cluster: CLUSTER,
      info: {
        name: CLUSTER,
        arn: `arn:aws:eks:us-east-1:111122223333:cluster/${CLUSTER}`,
        status: 'ACTIVE',
        version: '1.34',
        platformVersion: 'eks.1',
        autoMode: false,
      },
      agentAddon: { name: 'eks-pod-identity-agent', status: 'ACTIVE', healthIssues: [] },
      agentDaemonSet: await port.getDaemonSet(CLUSTER, AGENT_DAEMONSET.namespace, AGENT_DAEMONSET.name),
      serviceAccount: await port.getServiceAccount(CLUSTER, namespace, 'edge'),
      workloads: await port.listWorkloads(CLUSTER, namespace, 'edge'),
      pods,
      fargateProfiles: [],
      existingAssociations: [],
      roleArn: ROLE_ARN,
    };
    const findings = evaluateCluster(facts);
    const blocking = findings.filter((f) => f.severity === 'blocking');
    const podOf = (owner: string) => `${namespace}/${byOwner.get(owner)?.name ?? '?'}`;
    assert.deepEqual(blocking.map((f) => f.code).sort(), ['fargate-pod', 'proxy-no-proxy', 'windows-pod']);
    assert.ok(blocking.find((f) => f.code === 'fargate-pod')?.message.includes(podOf('on-fargate')));
    assert.ok(blocking.find((f) => f.code === 'windows-pod')?.message.includes(podOf('on-windows')));
    assert.ok(blocking.find((f) => f.code === 'proxy-no-proxy')?.message.includes(podOf('on-linux')));
  });

  test('cluster-wide listings follow continue tokens past a page size smaller than the data', async () => {
    const PAGE = 2;
    const paged = realKubernetesAdapter({ [CLUSTER]: cluster!.kubeconfigPath }, { listPageSize: PAGE });
    const namespace = uniqueName('ns');
    const accounts = ['a', 'b', 'c', 'd', 'e'];
    for (const name of accounts) await createServiceAccount(k, namespace, name, { 'example.com/sa': name });
    const refs = [
      await workload({ kind: 'Deployment', namespace, serviceAccount: 'a' }),
      await workload({ kind: 'Deployment', namespace, serviceAccount: 'b' }),
      await workload({ kind: 'Deployment', namespace, serviceAccount: 'c' }),
      await workload({ kind: 'StatefulSet', namespace, serviceAccount: 'd', replicas: 2 }),
    ];
    for (const ref of refs) await rolledOut(ref);
    // The server honours `limit`, so an adapter that stopped after one page would come up short.
    const firstPage = await k.core.listNamespacedServiceAccount({ namespace, limit: PAGE });
    assert.equal(firstPage.items.length, PAGE);
    assert.ok(firstPage.metadata?._continue, 'the API server hands out a continue token');

    // The controller adds `default` to the namespace on its own time: leave it out of the comparison.
    const ours = (list: ServiceAccountInfo[]) =>
      list.filter((sa) => sa.namespace === namespace && sa.name !== 'default');
    const listedAccounts = ours(await paged.listServiceAccounts(CLUSTER, namespace));
    assert.deepEqual(listedAccounts.map((sa) => sa.name).sort(), accounts);
    assert.equal(listedAccounts.find((sa) => sa.name === 'c')?.annotations['example.com/sa'], 'c');
    const everywhere = await paged.listServiceAccounts(CLUSTER);
    assert.deepEqual(ours(everywhere), listedAccounts);
    assert.ok(everywhere.some((sa) => sa.namespace === 'kube-system'));

    const key = (r: WorkloadRef) => `${r.kind}/${r.namespace}/${r.name}`;
    const workloads = await paged.listAllWorkloads(CLUSTER, namespace);
    assert.deepEqual(workloads.map((w) => key(w.ref)).sort(), refs.map(key).sort());
    assert.deepEqual(
      workloads.map((w) => w.serviceAccount),
      ['a', 'b', 'c', 'd'],
    );
    const agent = (await paged.listAllWorkloads(CLUSTER)).find((w) => w.ref.name === AGENT_DAEMONSET.name);
    assert.equal(agent?.ref.kind, 'DaemonSet');

    const pods = (await paged.listAllPods(CLUSTER, namespace)).filter((p) => !p.terminating);
    assert.equal(pods.length, 5);
    for (const pod of pods) {
      const owner = refs.find((r) => key(r) === key(pod.owner!));
      assert.ok(owner, `pod ${pod.name} is owned by one of the workloads`);
      assert.deepEqual(pod.nodeLabels, await nodeLabels(k, pod.nodeName!));
    }
    for (const serviceAccount of accounts) {
      assert.deepEqual(
        pods.filter((p) => p.serviceAccount === serviceAccount).sort((a, b) => a.name.localeCompare(b.name)),
        (await port.listPods(CLUSTER, namespace, serviceAccount))
          .filter((p) => !p.terminating)
          .sort((a, b) => a.name.localeCompare(b.name)),
      );
    }
    const allPods = await paged.listAllPods(CLUSTER);
    assert.ok(allPods.some((p) => p.namespace === 'kube-system' && p.owner?.kind === 'DaemonSet'));
  });

  test('getDaemonSet reads the Pod Identity Agent; a missing DaemonSet is undefined', async () => {
    const ds = await port.getDaemonSet(CLUSTER, AGENT_DAEMONSET.namespace, AGENT_DAEMONSET.name);
    const nodes = (await k.core.listNode()).items.length;
    assert.deepEqual(ds, {
      namespace: 'kube-system',
      name: 'eks-pod-identity-agent',
      desiredNumberScheduled: nodes,
      numberReady: nodes,
    });
    assert.equal(await port.getDaemonSet(CLUSTER, 'kube-system', 'missing'), undefined);
  });

  test('exec runs a command in a pod and returns its exit code and output', async () => {
    const namespace = uniqueName('ns');
    await createServiceAccount(k, namespace, 'app');
    const ref = await workload({ kind: 'Deployment', namespace, serviceAccount: 'app' });
    await rolledOut(ref);
    const pod = (await port.listPods(CLUSTER, namespace, 'app')).find((p) => !p.terminating);
    assert.ok(pod);
    assert.deepEqual(await port.exec(CLUSTER, namespace, pod.name, 'app', ['echo', 'hello']), {
      exitCode: 0,
      stdout: 'hello\n',
      stderr: '',
    });
    assert.deepEqual(await port.exec(CLUSTER, namespace, pod.name, 'app', ['sh', '-c', 'echo out; echo err >&2']), {
      exitCode: 0,
      stdout: 'out\n',
      stderr: 'err\n',
    });
    // A real kubelet reports a non-zero exit as NonZeroExitCode with the code (the adapter's
    // unit tests cover that); kwok's exec server reports it as an InternalError (HTTP 500 on
    // the status channel) carrying Go's "exit status N" (sigs.k8s.io/kwok
    // pkg/kwok/server/remotecommand/exec.go: only k8s.io/utils/exec errors count as exit
    // codes), so against kwok the adapter can only refuse to call it a success.
    await assert.rejects(port.exec(CLUSTER, namespace, pod.name, 'app', ['sh', '-c', 'exit 3']), (e) => {
      assert.ok(isPortError(e), String(e));
      assert.match(e.message, /exit status 3/);
      return true;
    });
    await assert.rejects(port.exec(CLUSTER, namespace, 'no-such-pod', 'app', ['true']), (e) =>
      isPortError(e, 'not-found'),
    );
  });

  test('exec of a program that does not exist never starts: the InternalError is read, not retried', async () => {
    const namespace = uniqueName('ns');
    await createServiceAccount(k, namespace, 'app');
    const ref = await workload({ kind: 'Deployment', namespace, serviceAccount: 'app' });
    await rolledOut(ref);
    const pod = (await port.listPods(CLUSTER, namespace, 'app')).find((p) => !p.terminating);
    assert.ok(pod);
    // kwok runs commands on this machine with Go's os/exec: its words for a missing program,
    // through the API server's exec proxy, in the kubelet's InternalError wrapper (twice over:
    // kwok wraps its own error as an InternalError before ServeExec does).
    for (const [command, message] of [
      ['migrate-identity-no-such-probe', /exec: "migrate-identity-no-such-probe": executable file not found in \$PATH/],
      [
        '/nonexistent/migrate-identity-probe',
        /fork\/exec \/nonexistent\/migrate-identity-probe: no such file or directory/,
      ],
    ] as const) {
      const outcome = await port.exec(CLUSTER, namespace, pod.name, 'app', [command, 'sts', 'get-caller-identity']);
      assert.ok(isExecNotStarted(outcome), JSON.stringify(outcome));
      assert.match(outcome.message, /^(Internal error occurred: )+error executing command in container: /);
      assert.match(outcome.message, message);
    }
  });

  test('preflight finds every controller of the service account and says what happens to each', async () => {
    const namespace = uniqueName('ns');
    const sa = 'shared';
    await createServiceAccount(k, namespace, sa, { [IRSA_ANNOTATION]: ROLE_ARN });
    const api = await workload({ kind: 'Deployment', namespace, name: 'api', serviceAccount: sa });
    await workload({
      kind: 'StatefulSet',
      namespace,
      name: 'ledger',
      serviceAccount: sa,
      updateStrategy: 'OnDelete',
    });
    const journal = await workload({
      kind: 'StatefulSet',
      namespace,
      name: 'journal',
      serviceAccount: sa,
      replicas: 2,
      partition: 1,
    });
    await createArgoRollout(k, { namespace, name: 'canary', serviceAccount: sa });
    const job = await createCronJobWithRun(k, { namespace, name: 'nightly', serviceAccount: sa });
    await createBarePod(k, { namespace, name: 'debug', serviceAccount: sa });
    for (const ref of [api, journal]) await rolledOut(ref);
    await waitFor('every pod', async () => {
      const pods = await port.listPods(CLUSTER, namespace, sa);
      const has = (kind: string) => pods.some((p) => p.controller?.kind === kind);
      return has('Rollout') && has('CronJob') && has('StatefulSet') && pods.some((p) => p.name === 'debug')
        ? true
        : undefined;
    });

    const pods = await port.listPods(CLUSTER, namespace, sa);
    assert.deepEqual(
      [...new Set(pods.map((p) => JSON.stringify(p.controller ?? null)))].sort(),
      [
        null,
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
        { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'journal' },
        { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'ledger' },
        { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'canary' },
        { apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly' },
      ]
        .map((c) => JSON.stringify(c))
        .sort(),
    );
    const jobs = (await port.listJobs(CLUSTER, namespace)).map((j) => [j.kind, j.name, j.serviceAccount, j.cronJob]);
    assert.deepEqual(jobs, [
      ['CronJob', 'nightly', sa, undefined],
      ['Job', job, sa, 'nightly'],
    ]);

    // Preflight's own reads (cluster-facts.ts), the cluster's EKS side from the sandbox.
    const fleet = createSandboxFleet({ consistencyDelayMs: 0 });
    const { facts, findings: readFindings } = await readClusterFacts(
      { eks: fleet.eks, kubernetes: realKubernetesAdapter({ 'sandbox-a': cluster!.kubeconfigPath }) },
      { cluster: 'sandbox-a', serviceAccount: { namespace, name: sa }, roleArn: ROLE_ARN },
    );
    assert.deepEqual(readFindings, []);
    const findings = evaluateCluster(facts);
    const subject = (message: string) => message.replace(/^cluster [^:]+: /, '').split(/: | \(/)[0];
    assert.deepEqual(
      findings.map((f) => `${f.severity} ${f.code} ${subject(f.message) ?? ''}`),
      [
        `blocking bare-pod Pod ${namespace}/debug`,
        `blocking unmanaged-controller Rollout ${namespace}/canary`,
        `blocking statefulset-partition StatefulSet ${namespace}/journal`,
        `blocking update-strategy-on-delete StatefulSet ${namespace}/ledger`,
        `warning job-not-restarted CronJob ${namespace}/nightly`,
      ],
    );
    assert.match(
      findings[2]!.message,
      /\(pods journal-0, journal-1\): rollingUpdate\.partition is 1: .* so journal-0 would keep/,
    );
    assert.match(findings[1]!.message, /kubectl argo rollouts restart canary -n /);
  });
});
