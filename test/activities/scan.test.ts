import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { scanActivities } from '../../activities/scan.js';
import type { ActivityDeps } from '../../activities/deps.js';
import { createConsoleNotifier } from '../../src/adapters/console-notifier.js';
import { driftSeedFleet } from '../../src/sandbox/drift-seed.js';
import { createSandboxFleet, type SandboxFleet } from '../../src/sandbox/index.js';

const ROLE = (name: string) => `arn:aws:iam::111122223333:role/${name}`;

function deps(fleet: SandboxFleet, extra: Partial<ActivityDeps> = {}): ActivityDeps {
  return { ...fleet, notifier: createConsoleNotifier(() => undefined), ...extra };
}

/** Runs an activity in a mock activity context and keeps what it heartbeated. */
async function inActivity<T>(fn: () => Promise<T>): Promise<{ result: T; heartbeats: unknown[] }> {
  const env = new MockActivityEnvironment();
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  const result = (await env.run(fn)) as T;
  return { result, heartbeats };
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
