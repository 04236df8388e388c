import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IRSA_ANNOTATION } from '../../src/domain/constants.js';
import { irsaIssuersTrusted, issuerHostPath } from '../../src/domain/trust-policy.js';
import { trustsPodIdentity } from '../../src/domain/drift.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import type { FleetState } from '../../src/sandbox/index.js';
import { ASSOCIATION_LIMIT } from '../../src/sandbox/eks.js';
import { generateFleet, parseFleetSize } from '../../src/sandbox/generate.js';
import { isFargateNode } from '../../src/sandbox/pods.js';
import { credentialPath } from '../../src/sandbox/webhook.js';

const SIZE = { clusters: 6, serviceAccounts: 120 };
const fleet = generateFleet(SIZE, 3);
const clusters = Object.values(fleet.clusters);
/** The drift cases' service accounts, which break the rules below on purpose. */
const DRIFT_CASES = new Set([
  'orders/checkout',
  'orders/refunds',
  'search/indexer',
  'orders/fulfilment',
  'search/query-api',
]);

function identityOf(state: FleetState, cluster: string, namespace: string, name: string) {
  const c = state.clusters[cluster];
  const annotated = c?.serviceAccounts.find((sa) => sa.namespace === namespace && sa.name === name)?.annotations[
    IRSA_ANNOTATION
  ];
  const associated = c?.associations.some((a) => a.namespace === namespace && a.serviceAccount === name);
  const pods = c?.pods.filter((p) => p.namespace === namespace && p.serviceAccount === name) ?? [];
  const staticKeys = pods.some((p) => p.containers.some((k) => credentialPath(k.env) === 'static-keys'));
  if (annotated && associated) return 'both';
  if (annotated) return 'irsa';
  if (associated) return 'pod-identity';
  return staticKeys ? 'static-keys' : 'none';
}

describe('generated sandbox fleet', () => {
  test('the same seed gives the same fleet, to the pod uid; another seed another fleet', () => {
    assert.deepEqual(generateFleet(SIZE, 3), fleet);
    const other = generateFleet(SIZE, 4);
    assert.notDeepEqual(other, fleet);
    assert.deepEqual(Object.keys(other.clusters), Object.keys(fleet.clusters), 'the same clusters, other apps');
  });

  test('exactly the clusters and service accounts asked for; sizes parse, or say why not', () => {
    assert.deepEqual(
      clusters.map((c) => c.name),
      ['prod-01', 'prod-02', 'prod-03', 'staging-01', 'staging-02', 'dev-01'],
    );
    for (const c of clusters) assert.equal(c.serviceAccounts.length, SIZE.serviceAccounts, c.name);
    assert.deepEqual(parseFleetSize('10x2000'), { clusters: 10, serviceAccounts: 2000 });
    assert.deepEqual(parseFleetSize(' 3X20 '), { clusters: 3, serviceAccounts: 20 });
    for (const bad of ['', '10', '10x', 'x2000', '10x2000x3', '2x2000', '10x19', '1e1x20', '-3x20']) {
      const parsed = parseFleetSize(bad);
      assert.ok('error' in parsed, bad);
      assert.doesNotMatch(parsed.error, /\n/);
    }
  });

  test('mixed states in every cluster Pod Identity can serve: IRSA, Pod Identity, both, static keys, none', () => {
    for (const c of clusters.filter((x) => x.addons['eks-pod-identity-agent'] !== undefined || x.autoMode)) {
      const states = new Set(c.serviceAccounts.map((sa) => identityOf(fleet, c.name, sa.namespace, sa.name)));
      assert.deepEqual([...states].sort(), ['both', 'irsa', 'none', 'pod-identity', 'static-keys'], c.name);
    }
  });

  test('apps run in several clusters under one role; roles are shared, one is a god role', () => {
    const where = new Map<string, string[]>();
    for (const c of clusters)
      for (const sa of c.serviceAccounts)
        where.set(`${sa.namespace}/${sa.name}`, [...(where.get(`${sa.namespace}/${sa.name}`) ?? []), c.name]);
    assert.ok([...where.values()].filter((cs) => cs.length >= 3).length > 20, 'apps in three clusters or more');
    const users = new Map<string, Set<string>>();
    for (const c of clusters) {
      for (const sa of c.serviceAccounts) {
        const arn = sa.annotations[IRSA_ANNOTATION];
        if (arn) users.set(arn, (users.get(arn) ?? new Set()).add(`${sa.namespace}/${sa.name}`));
      }
    }
    const shared = [...users].filter(([arn, sas]) => sas.size > 1 && /-shared$/.test(arn));
    assert.ok(shared.length > 0, 'namespace roles shared by several service accounts');
    const god = fleet.roles['eks-platform-admin'];
    assert.deepEqual(god?.inlinePolicies.data?.Statement, [{ Effect: 'Allow', Action: '*', Resource: '*' }]);
  });

  test('Fargate, Windows, Auto Mode, no agent and a lost OIDC provider, each in its cluster', () => {
    const nth = (i: number) => {
      const found = clusters.at(i);
      assert.ok(found);
      return found;
    };
    const [a, fargate, windows, auto, last] = [nth(0), nth(1), nth(2), nth(3), nth(-1)];
    assert.ok(a.addons['eks-pod-identity-agent'] && a.daemonSets.length === 1);
    assert.deepEqual(
      fargate.fargateProfiles.map((p) => p.name),
      ['fp-batch'],
    );
    const onFargate = fargate.pods.filter((p) =>
      isFargateNode(fargate.nodes.find((n) => n.name === p.nodeName) ?? { name: '', labels: {} }),
    );
    assert.ok(onFargate.length > 0 && onFargate.every((p) => p.namespace === 'batch'));
    const windowsNodes = new Set(
      windows.nodes.filter((n) => n.labels['kubernetes.io/os'] === 'windows').map((n) => n.name),
    );
    const onWindows = windows.pods.filter((p) => windowsNodes.has(p.nodeName ?? ''));
    assert.ok(onWindows.length > 0 && onWindows.every((p) => p.namespace === 'dotnet'), 'only dotnet on Windows');
    assert.equal(auto.autoMode, true);
    assert.deepEqual([last.addons, last.daemonSets, last.oidcProviderMissing], [{}, [], true]);
    assert.ok(clusters.slice(0, -1).every((c) => c.oidcProviderMissing !== true));
  });

  test('Deployments, StatefulSets, DaemonSets, CronJobs, Jobs, Argo Rollouts and bare pods', () => {
    const kinds = new Set<string>();
    for (const c of clusters) {
      for (const w of c.workloads) kinds.add(w.kind);
      for (const j of c.jobs ?? []) kinds.add(j.kind);
      for (const p of c.pods) if (p.controller) kinds.add(p.controller.kind);
      if (c.pods.some((p) => !p.owner && !p.controller)) kinds.add('bare pod');
    }
    assert.deepEqual([...kinds].sort(), [
      'CronJob',
      'DaemonSet',
      'Deployment',
      'Job',
      'Rollout',
      'StatefulSet',
      'bare pod',
    ]);
  });

  test('outside the drift cases every annotation is trusted in its cluster and every association trusted for Pod Identity, within IAM and EKS limits', () => {
    let checked = 0;
    for (const c of clusters) {
      const host = issuerHostPath(c.oidcIssuer ?? '');
      for (const sa of c.serviceAccounts) {
        const arn = sa.annotations[IRSA_ANNOTATION];
        if (!arn || DRIFT_CASES.has(`${sa.namespace}/${sa.name}`)) continue;
        const role = Object.values(fleet.roles).find((r) => r.arn === arn);
        assert.ok(role, arn);
        assert.ok(irsaIssuersTrusted(role.trustPolicy, sa.namespace, sa.name).includes(host), `${c.name} ${sa.name}`);
        checked += 1;
      }
      for (const a of c.associations) {
        if (DRIFT_CASES.has(`${a.namespace}/${a.serviceAccount}`) || a.namespace === 'legacy-billing') continue;
        const role = Object.values(fleet.roles).find((r) => r.arn === a.roleArn);
        assert.ok(role && trustsPodIdentity(role.trustPolicy), a.roleArn);
      }
      assert.ok(c.associations.length < ASSOCIATION_LIMIT);
    }
    assert.ok(checked > 300);
    for (const role of Object.values(fleet.roles)) {
      assert.ok(JSON.stringify(role.trustPolicy).length <= fleet.trustPolicySizeLimit, role.name);
    }
  });

  test('pods run with the credentials their service account gives them, as the webhook admitted them', async () => {
    const sandbox = createSandboxFleet({ seed: fleet });
    const c = 'prod-01';
    for (const sa of fleet.clusters[c]?.serviceAccounts.slice(0, 40) ?? []) {
      const identity = identityOf(fleet, c, sa.namespace, sa.name);
      const expected = identity === 'both' ? 'pod-identity' : identity === 'none' ? 'none' : identity;
      for (const pod of await sandbox.kubernetes.listPods(c, sa.namespace, sa.name)) {
        const paths = pod.containers.map((k) => credentialPath(k.env));
        assert.ok(
          (paths as string[]).includes(expected),
          `${sa.namespace}/${sa.name}: ${paths.join()} not ${expected}`,
        );
      }
    }
  });
});
