import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { scanActivities } from '../../activities/scan.js';
import type { ActivityDeps } from '../../activities/deps.js';
import { createConsoleNotifier } from '../../src/adapters/console-notifier.js';
import { driftSeedFleet } from '../../src/sandbox/drift-seed.js';
import { createSandboxFleet, type SandboxFleet } from '../../src/sandbox/index.js';
import { inActivity } from '../support/activity-context.js';

const ROLE = (name: string) => `arn:aws:iam::111122223333:role/${name}`;

function deps(fleet: SandboxFleet, extra: Partial<ActivityDeps> = {}): ActivityDeps {
  return { ...fleet, notifier: createConsoleNotifier(() => undefined), ...extra };
}

describe('scan activities', () => {
  test('scanCluster reads the cluster with the cluster-wide listings, heartbeating as it goes', async () => {
    const fleet = createSandboxFleet({ seed: driftSeedFleet() });
    const scan = scanActivities(deps(fleet));
    const { result, heartbeats } = await inActivity(() => scan.scanCluster({ cluster: 'sandbox-b' }));
    assert.deepEqual(heartbeats, [
      { cluster: 'sandbox-b', reading: 'cluster' },
      { cluster: 'sandbox-b', reading: 'listing' },
    ]);
    assert.deepEqual(
      result.serviceAccounts.map((s) => `${s.namespace}/${s.name}`),
      ['orders/checkout', 'payments/ledger', 'payments/reconciler', 'search/indexer', 'tools/backup'],
    );
    assert.equal(result.associations.length, 1);
    assert.equal(result.associations[0]?.serviceAccountExists, false);
    const calls = await fleet.control.calls();
    assert.equal(calls['sandbox-b:listServiceAccounts'], 1);
    assert.equal(calls['sandbox-b:getServiceAccount'], undefined, 'no per-service-account reads');
    assert.equal(calls['sandbox-b:listPods'], undefined);
  });

  test('scanCluster in one namespace lists that namespace only', async () => {
    const scan = scanActivities(deps(createSandboxFleet({ seed: driftSeedFleet() })));
    const result = await scan.scanCluster({ cluster: 'sandbox-c', namespace: 'search' });
    assert.equal(result.namespace, 'search');
    assert.deepEqual(
      result.serviceAccounts.map((s) => s.name),
      ['query-api'],
    );
    assert.deepEqual(
      result.associations.map((a) => a.namespace),
      ['search'],
    );
  });

  test('scanRoleCatalog keeps roles trusted through OIDC or Pod Identity, and those asked for', async () => {
    const fleet = createSandboxFleet({ seed: driftSeedFleet() });
    await fleet.control.putRole({
      name: 'ci-deployer',
      trustPolicy: { Statement: [{ Effect: 'Allow', Principal: { AWS: ROLE('ci') }, Action: 'sts:AssumeRole' }] },
    });
    await fleet.control.putRole({
      name: 'batch',
      trustPolicy: {
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      },
    });
    const scan = scanActivities(deps(fleet, { trustPolicyLimit: 4096 }));
    const catalog = await scan.scanRoleCatalog({ include: [ROLE('batch')] });
    const names = catalog.roles.map((r) => r.name);
    assert.ok(names.includes('batch'), 'asked for');
    assert.ok(!names.includes('ci-deployer'), 'nothing to do with EKS');
    assert.ok(names.includes('eks-reports-generator'), 'Pod Identity trust');
    assert.ok(names.includes('eks-payments-reconciler'), 'OIDC trust');
    assert.equal(catalog.accountId, '111122223333');
    assert.equal(catalog.trustPolicySizeLimit, 4096);
    assert.equal(catalog.oidcProviders.length, 4);
  });

  test('scanRoleCatalogPage: the same roles as the whole catalog, a page at a time, the OIDC providers on the first', async () => {
    const fleet = createSandboxFleet({ seed: driftSeedFleet() });
    const include = [ROLE('eks-payments-reconciler')];
    const whole = await scanActivities(deps(fleet)).scanRoleCatalog({ include });
    const scan = scanActivities(deps(fleet, { scanLimits: { bytes: 1, rolesPerCall: 2 } }));
    const pages = [await scan.scanRoleCatalogPage({ include })];
    for (let marker = pages[0]?.nextMarker; marker !== undefined; marker = pages.at(-1)?.nextMarker) {
      pages.push(await scan.scanRoleCatalogPage({ include, marker }));
      assert.ok(pages.length < 100, 'the pages end');
    }
    assert.ok(pages.length > 2, `${pages.length} pages`);
    assert.deepEqual(pages[0]?.oidcProviders, whole.oidcProviders);
    assert.ok(pages.slice(1).every((p) => p.oidcProviders.length === 0));
    assert.deepEqual(
      pages.flatMap((p) => p.roles).sort((a, b) => a.name.localeCompare(b.name)),
      [...whole.roles].sort((a, b) => a.name.localeCompare(b.name)),
    );
    assert.equal(pages.at(-1)?.nextMarker, undefined);
    assert.ok(pages.every((p) => p.accountId === whole.accountId || p.roles.length === 0));
  });

  test('scanCluster: a result too big for Temporal fails at once, naming the cluster and the way out', async () => {
    const scan = scanActivities(
      deps(createSandboxFleet({ seed: driftSeedFleet() }), { scanLimits: { clusterScanBytes: 1_000 } }),
    );
    await assert.rejects(scan.scanCluster({ cluster: 'sandbox-b' }), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure, String(err));
      assert.equal(err.type, 'LimitExceeded');
      assert.equal(err.nonRetryable, true);
      assert.match(
        err.message,
        /^sandbox-b: 5 service accounts make a 0\.0 MB scan result, over Temporal's 2 MB payload limit: scan it a namespace at a time \(--namespace\)$/,
      );
      return true;
    });
    assert.equal((await scan.scanCluster({ cluster: 'sandbox-b', namespace: 'search' })).serviceAccounts.length, 1);
  });

  test("scanRoleProfiles reads each role's policies and tags; a role it may not read is a gap, not a failure", async () => {
    const scan = scanActivities(deps(createSandboxFleet()));
    const arns = [ROLE('eks-payments-reconciler'), ROLE('eks-payments-ledger'), ROLE('nope')];
    const { result, heartbeats } = await inActivity(() => scan.scanRoleProfiles({ roleArns: arns }));
    assert.equal(heartbeats.length, 3);
    const byName = Object.fromEntries(result.map((p) => [p.name, p]));
    assert.deepEqual(byName['eks-payments-reconciler']?.principalTags, { keys: ['kubernetes-namespace'], unknown: [] });
    assert.equal(byName['eks-payments-reconciler']?.policy?.policies, 2);
    assert.deepEqual(byName['eks-payments-ledger']?.principalTags?.unknown, ['kubernetes-namespaces']);
    assert.match(byName.nope?.error ?? '', /cannot be found/);
  });

  test('lookUpRunningMigrations, lastScheduledScanKeys and postNewDrift never fail the scan', async () => {
    const fleet = createSandboxFleet();
    const none = scanActivities(deps(fleet));
    assert.deepEqual(await none.lookUpRunningMigrations(), {
      available: false,
      running: [],
      note: 'this worker has no Temporal visibility to ask',
    });
    const post = { workflowId: 'w', scannedAt: 'now', newFindings: [], totals: { broken: 0, risk: 0, cleanup: 0 } };
    assert.deepEqual(await none.postNewDrift(post), { warning: 'no drift notifier configured' });
    const failing = scanActivities(
      deps(fleet, {
        runningMigrations: () => Promise.reject(new Error('UNIMPLEMENTED')),
        lastScheduledScanKeys: () => Promise.reject(new Error('UNIMPLEMENTED')),
        driftNotifier: { postNewDrift: () => Promise.reject(new Error('channel_not_found')) },
      }),
    );
    assert.deepEqual(await failing.lookUpRunningMigrations(), {
      available: false,
      running: [],
      note: 'Temporal visibility: UNIMPLEMENTED',
    });
    assert.deepEqual(await failing.postNewDrift(post), { warning: 'drift notifier: channel_not_found' });
    assert.deepEqual(await none.lastScheduledScanKeys(), { note: 'this worker has no Temporal visibility to ask' });
    assert.deepEqual(await failing.lastScheduledScanKeys(), { note: 'Temporal visibility: UNIMPLEMENTED' });
    const first = scanActivities(deps(fleet, { lastScheduledScanKeys: () => Promise.resolve(undefined) }));
    assert.deepEqual(await first.lastScheduledScanKeys(), { note: 'no scheduled scan has completed before' });
    const running = [{ workflowId: 'm', runId: 'r', serviceAccount: 'a/b', clusters: ['x'] }];
    const working = scanActivities(
      deps(fleet, {
        runningMigrations: () => Promise.resolve(running),
        lastScheduledScanKeys: () => Promise.resolve(['k']),
      }),
    );
    assert.deepEqual(await working.lookUpRunningMigrations(), { available: true, running });
    assert.deepEqual(await working.lastScheduledScanKeys(), { keys: ['k'] });
  });
});
