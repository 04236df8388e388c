// The chart against a real kube-apiserver (scripts/k8s-up.sh): the API server validates
// every rendered object (strict field validation, PodSecurity `restricted`, the
// ServiceMonitor's CRD schema), then `helm install --wait` brings the Deployments to
// Available on kwok nodes. kwok marks scheduled pods Running and Ready without a kubelet,
// so this proves admission, scheduling and rollout, not the probes or the image.
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertHelmProvisioned,
  CHART_DIR,
  EXAMPLES,
  examplePath,
  helm,
  renderChart,
  runCommand,
  serviceMonitorCrdPath,
  valueArgs,
  type CommandResult,
  type RenderOptions,
} from '../support/helm.js';
import { startKubeCluster, type KubeCluster } from '../support/kube-cluster.js';

const NAMESPACE = 'migrate-identity';
const RELEASE = 'mi';
// Every option on: both components, metrics with the ServiceMonitor, NetworkPolicies.
const EVERYTHING: RenderOptions = {
  values: [examplePath('temporal-cloud-mtls')],
  set: ['metrics.enabled=true', 'metrics.serviceMonitor.enabled=true'],
};

describe('Helm chart on a real kube-apiserver with kwok nodes', () => {
  let cluster: KubeCluster | undefined;

  const kubectl = async (args: string[], input?: string): Promise<CommandResult> =>
    runCommand(cluster?.kubectlPath ?? 'kubectl', ['--kubeconfig', cluster?.kubeconfigPath ?? '', ...args], { input });
  const mustKubectl = async (args: string[], input?: string): Promise<string> => {
    const result = await kubectl(args, input);
    assert.equal(result.code, 0, `kubectl ${args.join(' ')}:\n${result.stderr}`);
    return result.stdout;
  };
  const deployments = async (): Promise<V1Deployment[]> =>
    (JSON.parse(await mustKubectl(['-n', NAMESPACE, 'get', 'deployments', '-o', 'json'])) as { items: V1Deployment[] })
      .items;

  before(async () => {
    await assertHelmProvisioned();
    cluster = await startKubeCluster({ nodes: 2 });
    await mustKubectl(['apply', '--server-side', '-f', serviceMonitorCrdPath()]);
    // `kubectl wait --for=condition=Established` fails outright ("status.conditions accessor
    // error") when it reads the CRD before the API server has written any condition, so poll.
    const established = async () =>
      (
        await kubectl([
          'get',
          'crd/servicemonitors.monitoring.coreos.com',
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Established")].status}',
        ])
      ).stdout.trim() === 'True';
    for (let i = 0; !(await established()); i++) {
      assert.ok(i < 120, 'the ServiceMonitor CRD did not become Established within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    // `restricted` enforced on pods, and reported (warn) on the Deployments that would make them.
    await mustKubectl(['create', 'namespace', NAMESPACE]);
    await mustKubectl([
      'label',
      'namespace',
      NAMESPACE,
      'pod-security.kubernetes.io/enforce=restricted',
      'pod-security.kubernetes.io/warn=restricted',
    ]);
    // The Secrets the examples refer to, as a platform team would create them.
    for (const [name, ...pairs] of [
      ['migrate-identity-slack', 'bot-token=xoxb-test', 'signing-secret=test', 'app-token=xapp-test'],
      ['temporal-client-tls', 'tls.crt=test', 'tls.key=test'],
      ['temporal-api-key', 'api-key=test'],
    ] as const) {
      await mustKubectl([
        '-n',
        NAMESPACE,
        'create',
        'secret',
        'generic',
        name,
        ...pairs.map((p) => `--from-literal=${p}`),
      ]);
    }
  });
  after(() => cluster?.stop());

  /** Server-side dry run of a rendering: the API server's verdict, warnings included. */
  async function dryRun(options: RenderOptions): Promise<{ result: CommandResult; objects: number }> {
    const { text, manifests } = await renderChart({ ...options, namespace: NAMESPACE });
    const result = await kubectl(['-n', NAMESPACE, 'apply', '--dry-run=server', '--validate=strict', '-f', '-'], text);
    return { result, objects: manifests.length };
  }

  test('the API server accepts every rendering without a PodSecurity warning', async () => {
    const renderings: [string, RenderOptions][] = [
      ['defaults', {}],
      ...EXAMPLES.map((name): [string, RenderOptions] => [name, { values: [examplePath(name)] }]),
      ['everything on', EVERYTHING],
    ];
    for (const [name, options] of renderings) {
      const { result, objects } = await dryRun(options);
      assert.equal(result.code, 0, `${name}:\n${result.stderr}`);
      assert.doesNotMatch(result.stderr, /Warning/, name);
      assert.equal(result.stdout.match(/\(server dry run\)/g)?.length, objects, `${name}:\n${result.stdout}`);
    }
  });

  test('the same check refuses a pod that keeps its capabilities or a misspelt field', async () => {
    const capabilities = await dryRun({ set: ['securityContext.capabilities=null'] });
    assert.match(capabilities.result.stderr, /would violate PodSecurity "restricted:latest"/);
    const typo = await dryRun({ set: ['worker.extraEnv[0].name=A', 'worker.extraEnv[0].valu=b'] });
    assert.notEqual(typo.result.code, 0);
    assert.match(typo.result.stderr, /unknown field "spec.template.spec.containers\[0\].env\[\d+\].valu"/);
  });

  test('helm install --wait: both Deployments become Available, with the ServiceMonitor', async () => {
    const install = await helm(
      [
        'install',
        RELEASE,
        CHART_DIR,
        '--namespace',
        NAMESPACE,
        '--kubeconfig',
        cluster?.kubeconfigPath ?? '',
        ...valueArgs(EVERYTHING),
        '--wait',
        '--timeout',
        '2m',
      ],
      { timeoutMs: 180_000 },
    );
    assert.equal(install.code, 0, install.stderr);
    const found = await deployments();
    assert.deepEqual(found.map((d) => d.metadata?.name).sort(), [
      'mi-migrate-identity-bot',
      'mi-migrate-identity-worker',
    ]);
    for (const d of found) {
      const available = d.status?.conditions?.find((c) => c.type === 'Available');
      assert.equal(available?.status, 'True', `${d.metadata?.name}: ${available?.message ?? 'no Available condition'}`);
      assert.equal(d.status?.readyReplicas, 2, d.metadata?.name);
    }
    const monitors = await mustKubectl(['-n', NAMESPACE, 'get', 'servicemonitors', '-o', 'name']);
    assert.equal(monitors.trim(), 'servicemonitor.monitoring.coreos.com/mi-migrate-identity');
  });

  test('helm upgrade with a changed fleet rolls both Deployments to new pods', async () => {
    const hashes = async () => {
      const pods = (
        JSON.parse(await mustKubectl(['-n', NAMESPACE, 'get', 'pods', '-o', 'json'])) as { items: V1Pod[] }
      ).items.filter((p) => !p.metadata?.deletionTimestamp);
      return new Set(pods.map((p) => p.metadata?.labels?.['pod-template-hash']));
    };
    const before = await hashes();
    assert.equal(before.size, 2, 'one pod template per Deployment');
    const upgrade = await helm(
      [
        'upgrade',
        RELEASE,
        CHART_DIR,
        '--namespace',
        NAMESPACE,
        '--kubeconfig',
        cluster?.kubeconfigPath ?? '',
        ...valueArgs({ ...EVERYTHING, set: [...(EVERYTHING.set ?? []), 'fleet.defaults.soak=10m'] }),
        '--wait',
        '--timeout',
        '2m',
      ],
      { timeoutMs: 180_000 },
    );
    assert.equal(upgrade.code, 0, upgrade.stderr);
    for (const d of await deployments()) {
      assert.equal(d.metadata?.generation, 2, `${d.metadata?.name} has a new pod template`);
      assert.equal(d.status?.updatedReplicas, 2, d.metadata?.name);
      assert.equal(d.status?.conditions?.find((c) => c.type === 'Available')?.status, 'True', d.metadata?.name);
    }
    const configMap = await mustKubectl(['-n', NAMESPACE, 'get', 'configmap', 'mi-migrate-identity', '-o', 'json']);
    assert.match(configMap, /soak: 10m/);
    const after = await hashes();
    for (const hash of before) assert.ok(!after.has(hash), `pods of template ${hash} were replaced`);
  });
});
