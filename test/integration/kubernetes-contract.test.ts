// The Kubernetes port contract against a real kube-apiserver, controllers and scheduler,
// with kwok standing in for kubelets: the same suite the sandbox passes.
import type { KubernetesFixtureDriver } from '../contract/kubernetes.contract.js';
import { runKubernetesContract } from '../contract/kubernetes.contract.js';
import { startKubeCluster } from '../support/kube-cluster.js';
import {
  createBarePod,
  createJob,
  createServiceAccount,
  createWorkload,
  kubeClients,
  nodeLabels,
  PAUSE_IMAGE,
  realKubernetesAdapter,
} from '../support/kube-fixtures.js';

const CLUSTER = 'real-contract';

// kwok's pods cannot run the AWS CLI (exec runs on the host), so the exec test is left to
// the sandbox; test/integration/kubernetes-adapter.test.ts covers exec against kwok. kwok's
// exec server answers every command that does not exit 0 with an InternalError (HTTP 500
// on the status channel) carrying Go's "exit status N", not NonZeroExitCode with the code
// as a kubelet does; a program missing on its host is "executable file not found in
// $PATH" in the same InternalError, which the adapter reads as a kubelet's.
runKubernetesContract(
  'real kube-apiserver Kubernetes',
  async () => {
    const cluster = await startKubeCluster();
    try {
      const clients = kubeClients(cluster.kubeconfigPath);
      const driver: KubernetesFixtureDriver = {
        cluster: CLUSTER,
        image: PAUSE_IMAGE,
        rolloutTimeoutMs: 60_000,
        pollIntervalMs: 100,
        createServiceAccount: (namespace, name, annotations) =>
          createServiceAccount(clients, namespace, name, annotations),
        async createWorkload(workload) {
          await createWorkload(clients, workload);
        },
        nodeLabels: (name) => nodeLabels(clients, name),
        createBarePod: (pod) => createBarePod(clients, pod),
        createJob: (job) => createJob(clients, job),
      };
      return {
        // Pages of two, so every listing in the suite follows continue tokens on a real server.
        port: realKubernetesAdapter({ [CLUSTER]: cluster.kubeconfigPath }, { listPageSize: 2 }),
        driver,
        cleanup: () => cluster.stop(),
      };
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  },
  { exec: false },
);
