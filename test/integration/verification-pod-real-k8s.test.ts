// The verification pod through the real Kubernetes adapter on a real kube-apiserver, with
// kwok for kubelets and a Pod Identity webhook that reads the sandbox EKS (as the real one
// reads EKS). What is real here: the pod the adapter creates and what admission does to it
// (the ServiceAccount plugin, the webhook's injection), the scheduler placing it by the
// workload's node selector and tolerations, reading it back, its log through the API server's
// pods/log proxy to the node's kubelet API (kwok serves it), deletion, and the label sweeps.
// What is not: kwok runs no container. scripts/k8s-up.sh configures kwok to finish pods
// labelled as verification pods with exit 0, as a kubelet would once the probe exits, and to
// serve <cluster dir>/pod-logs/probe.log as their probe container's log: the tests write the
// caller identity an STS answer would print there. How credentials are judged (no
// association, wrong role, agent down, image pull, StartError, deadline) is the sandbox's
// and the adapter's mapping tests' business.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities/index.js';
import { createConsoleNotifier } from '../../src/adapters/console-notifier.js';
import { IRSA_ANNOTATION } from '../../src/domain/constants.js';
import {
  ALL_VERIFICATION_PODS,
  buildVerificationPod,
  DEFAULT_PROBE,
  EXPIRES_AT_ANNOTATION,
  runSelector,
} from '../../src/domain/verification-pod.js';
import type { KubernetesPort } from '../../src/ports/kubernetes.js';
import { createSandboxFleet, type SandboxFleet } from '../../src/sandbox/index.js';
import type { KubeCluster } from '../support/kube-cluster.js';
import { startKubeCluster } from '../support/kube-cluster.js';
import type { KubeClients } from '../support/kube-fixtures.js';
import {
  createFakeNode,
  createServiceAccount,
  createWorkload,
  kubeClients,
  realKubernetesAdapter,
  waitFor,
} from '../support/kube-fixtures.js';
import type { PodIdentityWebhook } from '../support/pod-identity-webhook.js';
import { startPodIdentityWebhook } from '../support/pod-identity-webhook.js';

const CLUSTER = 'sandbox-a';
const ROLE_ARN = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';
const RUN = '0123456789abcdef';
const POOL_TAINT = { key: 'dedicated', value: 'payments', effect: 'NoSchedule' };

/** One line of a CRI log file (what kubelets keep and kwok reads): time, stream, full-line tag, text. */
const criLine = (text: string) => `${new Date().toISOString()} stdout F ${text}\n`;

describe('verification pod through the real Kubernetes adapter (kube-apiserver, kwok, a Pod Identity webhook)', () => {
  let cluster: KubeCluster | undefined;
  let webhook: PodIdentityWebhook | undefined;
  let k: KubeClients;
  let port: KubernetesPort;
  let fleet: SandboxFleet;

  before(async () => {
    cluster = await startKubeCluster({ nodes: 2 });
    k = kubeClients(cluster.kubeconfigPath);
    fleet = createSandboxFleet({ consistencyDelayMs: 0 });
    webhook = await startPodIdentityWebhook({ clients: k, cluster: CLUSTER, eks: fleet.eks, region: 'us-east-1' });
    port = realKubernetesAdapter({ [CLUSTER]: cluster.kubeconfigPath });
    // A tainted node only the workload's tolerations admit: the probe must land on its class of node.
    await createFakeNode(k, { name: 'payments-pool-0', labels: { pool: 'payments' }, taints: [POOL_TAINT] });
  });
  after(async () => {
    await webhook?.stop();
    await cluster?.stop();
  });

  function activitiesOn(kubernetes: KubernetesPort = port) {
    return createActivities({
      eks: fleet.eks,
      iam: fleet.iam,
      kubernetes,
      notifier: createConsoleNotifier(() => undefined),
      verificationProbe: DEFAULT_PROBE,
      verificationPollMs: 100,
    });
  }

  async function serviceAccountWithWorkload(namespace: string): Promise<void> {
    await createServiceAccount(k, namespace, 'reconciler', { [IRSA_ANNOTATION]: ROLE_ARN });
    await createWorkload(k, {
      kind: 'Deployment',
      namespace,
      name: 'reconciler',
      serviceAccount: 'reconciler',
      nodeSelector: { pool: 'payments' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'payments', effect: 'NoSchedule' }],
    });
  }

  test('with an association: a Pod Identity pod on the workload’s nodes, its log read through the API server, then deleted', async () => {
    const namespace = `verify-${Date.now().toString(36)}`;
    await serviceAccountWithWorkload(namespace);
    await fleet.eks.createPodIdentityAssociation({
      cluster: CLUSTER,
      namespace,
      serviceAccount: 'reconciler',
      roleArn: ROLE_ARN,
      clientRequestToken: namespace,
    });
    const arn = `arn:aws:sts::111122223333:assumed-role/eks-payments-reconciler/eks-${CLUSTER}-mi-verify-${RUN}-0a1b2c-11111111-2222-3333-4444-555555555555`;
    await writeFile(
      join(cluster!.dir, 'pod-logs', 'probe.log'),
      criLine(JSON.stringify({ UserId: 'AROAEXAMPLE:eks', Account: '111122223333', Arn: arn })),
    );
    // Watch what the adapter creates, as the API server stored it.
    const created: { name: string; node?: string; env: string[]; serviceAccount?: string }[] = [];
    const watching: KubernetesPort = {
      ...port,
      async getPod(c, ns, name) {
        const stored = await k.core.readNamespacedPod({ namespace: ns, name });
        // The first read may come before kube-scheduler binds the pod: keep the node once bound.
        const seen = created.find((p) => p.name === name);
        if (seen) seen.node ??= stored.spec?.nodeName;
        else {
          created.push({
            name,
            node: stored.spec?.nodeName,
            serviceAccount: stored.spec?.serviceAccountName,
            env: (stored.spec?.containers[0]?.env ?? []).map((e) => e.name),
          });
        }
        return port.getPod(c, ns, name);
      },
    };
    const result = await activitiesOn(watching).runVerificationPod({
      cluster: CLUSTER,
      serviceAccount: { namespace, name: 'reconciler' },
      roleArn: ROLE_ARN,
      expect: 'pod-identity',
      runKey: RUN,
      workflowId: `migrate-identity/${namespace}/reconciler`,
    });
    assert.match(result.detail, new RegExp(`^verification pod mi-verify-${RUN}-[0-9a-f]{6}: caller identity ${arn}$`));
    assert.deepEqual(result.warnings, []);
    const [pod] = created;
    assert.ok(pod, 'the activity read its pod');
    assert.equal(pod.serviceAccount, 'reconciler');
    assert.equal(pod.node, 'payments-pool-0', 'scheduled by the workload’s node selector, tolerating its taint');
    assert.ok(pod.env.includes('AWS_CONTAINER_CREDENTIALS_FULL_URI'), pod.env.join(','));
    assert.ok(webhook!.admitted.some((a) => a.pod === `${namespace}/${pod.name}` && a.injected === 'pod-identity'));
    await waitFor('the verification pod to be gone', async () =>
      (await port.listPodsWithLabels(CLUSTER, runSelector(RUN), namespace)).length === 0 ? true : undefined,
    );
  });

  test('without an association the webhook injects IRSA: verification fails before the pod finishes, and it is deleted', async () => {
    const namespace = `verify-${Date.now().toString(36)}`;
    await serviceAccountWithWorkload(namespace);
    await assert.rejects(
      activitiesOn().runVerificationPod({
        cluster: CLUSTER,
        serviceAccount: { namespace, name: 'reconciler' },
        roleArn: ROLE_ARN,
        expect: 'pod-identity',
        runKey: RUN,
        workflowId: `migrate-identity/${namespace}/reconciler`,
      }),
      (err: unknown) =>
        err instanceof ApplicationFailure &&
        err.type === 'VerificationFailed' &&
        /the webhook gave pod mi-verify-.* irsa credentials, not pod-identity/.test(err.message),
    );
    assert.deepEqual(await port.listPodsWithLabels(CLUSTER, runSelector(RUN), namespace), []);
  });

  test('sweeps: a run deletes its own leftovers; the fleet sweep deletes any past expiry, nothing else', async () => {
    const namespace = `sweep-${Date.now().toString(36)}`;
    await serviceAccountWithWorkload(namespace);
    const pod = (runKey: string, suffix: string, expired: boolean) => {
      const spec = buildVerificationPod({
        runKey,
        workflowId: 'migrate-identity/x/y',
        serviceAccount: { namespace, name: 'reconciler' },
        probe: DEFAULT_PROBE,
        scheduling: { nodeSelector: {}, tolerations: [] },
        suffix,
        now: new Date().toISOString(),
      });
      if (expired) spec.annotations[EXPIRES_AT_ANNOTATION] = '2020-01-01T00:00:00.000Z';
      return spec;
    };
    // As a worker killed mid-verification leaves them: created, never deleted.
    const mine = pod('aaaaaaaaaaaaaaaa', 'aaaaaa', false);
    const stale = pod('bbbbbbbbbbbbbbbb', 'bbbbbb', true);
    const live = pod('cccccccccccccccc', 'cccccc', false);
    for (const spec of [mine, stale, live]) await port.createPod(CLUSTER, spec);
    const activities = activitiesOn();
    assert.deepEqual(
      await activities.sweepVerificationPods({ cluster: CLUSTER, runKey: 'aaaaaaaaaaaaaaaa', namespace }),
      { deleted: [`${namespace}/${mine.name}`], failed: [] },
    );
    const fleetWide = await activities.sweepVerificationPods({ cluster: CLUSTER });
    assert.ok(fleetWide.deleted.includes(`${namespace}/${stale.name}`), fleetWide.deleted.join(', '));
    assert.ok(!fleetWide.deleted.includes(`${namespace}/${live.name}`));
    const left = (await port.listPodsWithLabels(CLUSTER, ALL_VERIFICATION_PODS, namespace)).map((p) => p.name);
    assert.deepEqual(left, [live.name]);
    await port.deletePod(CLUSTER, namespace, live.name);
  });
});
