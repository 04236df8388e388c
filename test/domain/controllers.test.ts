import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateCluster } from '../../src/domain/cluster-checks.js';
import type { ClusterFacts } from '../../src/domain/cluster-checks.js';
import { podsToVerify, serviceAccountControllers } from '../../src/domain/controllers.js';
import { POD_IDENTITY_TOKEN_FILE, POD_IDENTITY_URI } from '../../src/domain/constants.js';
import type { PodController, PodInfo } from '../../src/domain/kubernetes.js';
import { fixturePod, healthyClusterFacts } from '../support/cluster-facts.js';

const POD_IDENTITY_ENV = {
  AWS_CONTAINER_CREDENTIALS_FULL_URI: POD_IDENTITY_URI,
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: POD_IDENTITY_TOKEN_FILE,
};

/** A pod of a controller the migration does not restart (no `owner`). */
function foreignPod(name: string, controller: PodController | undefined, overrides: Partial<PodInfo> = {}) {
  const pod = fixturePod(name, { ...(controller ? { controller } : {}), ...overrides });
  delete pod.owner;
  return pod;
}

const ROLLOUT: PodController = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'canary' };
const CRONJOB: PodController = { apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly' };

function facts(change: (f: ClusterFacts) => void): ClusterFacts {
  const f = healthyClusterFacts();
  change(f);
  return f;
}

/** The association someone created by hand before restarting a pod onto Pod Identity. */
function withAssociation(f: ClusterFacts): void {
  f.existingAssociations = [
    {
      associationId: 'a-1',
      associationArn: 'arn:aws:eks:us-east-1:123456789012:podidentityassociation/prod-a/a-1',
      cluster: 'prod-a',
      namespace: 'payments',
      serviceAccount: 'api',
      roleArn: f.roleArn,
    },
  ];
}

const summary = (f: ClusterFacts, keepIrsaTrust = false) =>
  serviceAccountControllers(f, { keepIrsaTrust }).map((c) => [`${c.kind}/${c.name}`, c.action, c.pods]);
const codes = (f: ClusterFacts, keepIrsaTrust = false) =>
  evaluateCluster(f, { keepIrsaTrust }).map((x) => [x.code, x.severity]);

describe('serviceAccountControllers: every controller of the service account, and what the run does with it', () => {
  test('a Deployment of the service account is restarted, with its pods', () => {
    assert.deepEqual(summary(healthyClusterFacts()), [['Deployment/api', 'restart', ['api-1', 'api-2']]]);
    assert.deepEqual(evaluateCluster(healthyClusterFacts()), []);
  });

  test('Jobs and CronJobs are left alone with a warning: the next run gets the new credentials', () => {
    const f = facts((x) => {
      x.jobs = [
        { kind: 'CronJob', namespace: 'payments', name: 'nightly', serviceAccount: 'api', active: 1 },
        {
          kind: 'Job',
          namespace: 'payments',
          name: 'nightly-29000000',
          serviceAccount: 'api',
          cronJob: 'nightly',
          active: 1,
          finished: false,
        },
        { kind: 'Job', namespace: 'payments', name: 'migrate-db', serviceAccount: 'api', active: 0, finished: true },
      ];
      x.pods.push(foreignPod('nightly-29000000-x', CRONJOB));
      x.pods.push(
        foreignPod(
          'migrate-db-x',
          { apiVersion: 'batch/v1', kind: 'Job', name: 'migrate-db' },
          { phase: 'Succeeded', ready: false },
        ),
      );
    });
    assert.deepEqual(summary(f), [
      ['CronJob/nightly', 'skip', ['nightly-29000000-x']],
      ['Job/migrate-db', 'skip', []],
      ['Deployment/api', 'restart', ['api-1', 'api-2']],
    ]);
    const findings = evaluateCluster(f);
    assert.deepEqual(
      findings.map((x) => [x.code, x.severity]),
      [
        ['job-not-restarted', 'warning'],
        ['job-not-restarted', 'warning'],
      ],
    );
    assert.equal(
      findings[0]!.message,
      "cluster prod-a: CronJob payments/nightly (pods nightly-29000000-x): not restarted: each run's pods get their credentials when created, so runs after the switch use Pod Identity; a run in progress keeps IRSA until it ends",
    );
    assert.match(findings[1]!.message, /Job payments\/migrate-db: not restarted: .* \(finished\)$/);
  });

  test('a Job pod found without its Job listing (a fleet scan) is still reported', () => {
    const f = facts((x) => x.pods.push(foreignPod('nightly-1-x', CRONJOB)));
    assert.deepEqual(codes(f), [['job-not-restarted', 'warning']]);
  });

  test('a bare pod blocks: nothing recreates it and cleanup would take its IRSA trust; with --keep-irsa-trust it warns', () => {
    const f = facts((x) => x.pods.push(foreignPod('debug', undefined)));
    const [finding] = evaluateCluster(f);
    assert.equal(finding?.code, 'bare-pod');
    assert.equal(finding?.severity, 'blocking');
    assert.match(finding.message, /^cluster prod-a: Pod payments\/debug: no controller recreates it/);
    assert.match(
      finding.message,
      /delete it \(kubectl -n payments delete pod debug\) and create it again from its manifest once the migration is done/,
    );
    assert.deepEqual(codes(f, true), [['bare-pod', 'warning']]);
    // Already on Pod Identity (recreated by hand after the association): nothing to say.
    const moved = facts((x) => {
      withAssociation(x);
      x.pods.push(
        foreignPod('debug', undefined, { containers: [{ name: 'app', image: 'app:1', env: POD_IDENTITY_ENV }] }),
      );
    });
    assert.deepEqual(codes(moved), [['association-exists', 'info']]);
  });

  test('an Argo Rollout (or any other controller) blocks, naming the command that restarts it', () => {
    const f = facts((x) => {
      x.pods.push(foreignPod('canary-7f-a', ROLLOUT), foreignPod('canary-7f-b', ROLLOUT));
      x.pods.push(foreignPod('clone-1', { apiVersion: 'apps.kruise.io/v1alpha1', kind: 'CloneSet', name: 'clone' }));
    });
    assert.deepEqual(summary(f), [
      ['CloneSet/clone', 'block', ['clone-1']],
      ['Rollout/canary', 'block', ['canary-7f-a', 'canary-7f-b']],
      ['Deployment/api', 'restart', ['api-1', 'api-2']],
    ]);
    const findings = evaluateCluster(f);
    assert.deepEqual(
      findings.map((x) => [x.code, x.severity]),
      [
        ['unmanaged-controller', 'blocking'],
        ['unmanaged-controller', 'blocking'],
      ],
    );
    assert.match(
      findings[1]!.message,
      /^cluster prod-a: Rollout payments\/canary \(pods canary-7f-a, canary-7f-b\): manages pods that run as the service account, but the migration restarts only Deployments, StatefulSets and DaemonSets and cannot restart a Rollout safely: its pods would stay on IRSA; create the association by hand \(aws eks create-pod-identity-association --cluster-name prod-a --namespace payments --service-account api --role-arn arn:aws:iam::123456789012:role\/app\), restart it \(kubectl argo rollouts restart canary -n payments\), then run the migration again: it reuses the association/,
    );
    // Restarted by hand onto Pod Identity: it no longer blocks.
    const restarted = facts((x) => {
      withAssociation(x);
      x.pods.push(
        foreignPod('canary-8a-a', ROLLOUT, { containers: [{ name: 'app', image: 'app:1', env: POD_IDENTITY_ENV }] }),
      );
    });
    assert.deepEqual(codes(restarted), [['association-exists', 'info']]);
    assert.deepEqual(summary(restarted)[0], ['Rollout/canary', 'skip', ['canary-8a-a']]);
  });

  test('terminating and finished pods do not count', () => {
    const f = facts((x) => {
      x.pods.push(foreignPod('debug', undefined, { terminating: true }));
      x.pods.push(foreignPod('canary-7f-a', ROLLOUT, { phase: 'Failed' }));
    });
    assert.deepEqual(codes(f), []);
  });

  test('a StatefulSet with OnDelete, or a DaemonSet with OnDelete, blocks: a restart would never finish', () => {
    for (const kind of ['StatefulSet', 'DaemonSet'] as const) {
      const f = facts((x) => {
        x.workloads = [
          {
            ref: { kind, namespace: 'payments', name: 'ledger' },
            serviceAccount: 'api',
            generation: 1,
            updateStrategy: 'OnDelete',
          },
        ];
        x.pods = [fixturePod('ledger-0', { owner: { kind, namespace: 'payments', name: 'ledger' } })];
      });
      const [finding, ...rest] = evaluateCluster(f);
      assert.deepEqual(rest, []);
      assert.equal(finding?.code, 'update-strategy-on-delete');
      assert.equal(finding?.severity, 'blocking');
      assert.match(
        finding.message,
        new RegExp(
          `^cluster prod-a: ${kind} payments/ledger \\(pods ledger-0\\): updateStrategy is OnDelete: a restart creates no new pod until each old one is deleted by hand, so its rollout never completes \\(the run would roll back\\); switch it to RollingUpdate for the migration \\(kubectl -n payments patch ${kind.toLowerCase()} ledger --type merge -p '\\{"spec":\\{"updateStrategy":\\{"type":"RollingUpdate"\\}\\}\\}'\\)`,
        ),
      );
    }
  });

  test('a StatefulSet with a partition above 0 blocks: the ordinals below it would keep their credentials', () => {
    const f = facts((x) => {
      x.workloads = [
        {
          ref: { kind: 'StatefulSet', namespace: 'payments', name: 'ledger' },
          serviceAccount: 'api',
          generation: 1,
          partition: 2,
        },
      ];
      x.pods = [];
    });
    const findings = evaluateCluster(f);
    assert.deepEqual(
      findings.map((x) => [x.code, x.severity]),
      [['statefulset-partition', 'blocking']],
    );
    assert.equal(
      findings[0]!.message,
      `cluster prod-a: StatefulSet payments/ledger: rollingUpdate.partition is 2: a restart replaces only the pods with ordinal 2 and above, so ledger-0 to ledger-1 would keep their old credentials and fail verification (the run would roll back); set the partition to 0 for the migration (kubectl -n payments patch statefulset ledger --type merge -p '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}') and back to 2 afterwards`,
    );
    // A Deployment's Recreate strategy restarts fine.
    const recreate = facts((x) => (x.workloads[0]!.updateStrategy = 'Recreate'));
    assert.deepEqual(evaluateCluster(recreate), []);
  });
});

describe('podsToVerify', () => {
  const api = { kind: 'Deployment' as const, namespace: 'payments', name: 'api' };
  test('running pods of the restarted workloads; the rest sorted out', () => {
    const pods = [
      fixturePod('api-1'),
      fixturePod('api-old', { terminating: true }),
      fixturePod('api-new', { phase: 'Pending', ready: false }),
      fixturePod('worker-1', { owner: { kind: 'Deployment', namespace: 'payments', name: 'worker' } }),
      foreignPod('nightly-1', CRONJOB),
      foreignPod('migrate-1', CRONJOB, { phase: 'Succeeded' }),
    ];
    const result = podsToVerify(pods, [api]);
    const names = (list: PodInfo[]) => list.map((p) => p.name);
    assert.deepEqual(names(result.verified), ['api-1']);
    assert.deepEqual(names(result.others), ['worker-1', 'nightly-1']);
    assert.deepEqual(names(result.notRunning), ['api-old', 'api-new', 'migrate-1']);
    assert.deepEqual(names(podsToVerify(pods, []).verified), []);
  });
});
