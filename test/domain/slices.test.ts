import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { matchesPattern, productionOf, type CampaignPolicy } from '../../src/domain/campaign-policy.js';
import { buildFleetReport, type FleetReport } from '../../src/domain/fleet-report.js';
import type { PolicyBreadth, RoleProfile } from '../../src/domain/role-profile.js';
import { buildSlices, sliceItems, type Slices } from '../../src/domain/slices.js';
import { irsaStatement } from '../../src/domain/trust-policy.js';
import type { ServiceAccountScan } from '../../src/domain/inventory.js';
import { ACCOUNT, catalog, cluster, issuer, role, roleArn, sa } from '../support/fleet-scan-fixtures.js';

const ISSUER: Record<string, string> = {
  'dev-a': issuer('DEVA'),
  'dev-b': issuer('DEVB'),
  'prod-a': issuer('PRDA'),
};
const narrow: PolicyBreadth = {
  policies: 1,
  statements: 1,
  actions: 2,
  resources: 1,
  wildcardActions: [],
  allResources: false,
  admin: false,
};
const profile = (name: string, policy: Partial<PolicyBreadth> = {}): RoleProfile => ({
  arn: roleArn(name),
  name,
  policy: { ...narrow, ...policy },
});
const workloads = (namespace: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ kind: 'Deployment' as const, namespace, name: `w${i}` }));

/**
 * dev-a, dev-b and prod-a (production by name). Each service account's role trusts each
 * cluster it runs in, unless the case is about broken trust.
 */
function report(): FleetReport {
  const users: [cluster: string, scan: ServiceAccountScan][] = [
    ['dev-a', sa('dev', 'solo', { irsaRoleArn: roleArn('solo') })],
    ['dev-b', sa('dev', 'solo', { irsaRoleArn: roleArn('solo') })],
    ['dev-a', sa('dev', 'wide', { irsaRoleArn: roleArn('wide') })],
    ['dev-a', sa('dev', 'busy', { irsaRoleArn: roleArn('busy'), workloads: workloads('dev', 3) })],
    ['prod-a', sa('shop', 'api', { irsaRoleArn: roleArn('api') })],
    ['dev-a', sa('shop', 'api', { irsaRoleArn: roleArn('api') })],
    ['prod-a', sa('shop', 'admin', { irsaRoleArn: roleArn('admin') })],
    ['dev-a', sa('team', 'x', { irsaRoleArn: roleArn('shared') })],
    ['dev-b', sa('team', 'y', { irsaRoleArn: roleArn('shared') })],
    ['dev-b', sa('orders', 'checkout', { irsaRoleArn: roleArn('checkout') })],
    ['dev-a', sa('orders', 'proxy', { irsaRoleArn: roleArn('proxy'), blockers: ['proxy-no-proxy'] })],
    ['dev-a', sa('search', 'indexer', { irsaRoleArn: roleArn('indexer') })],
    ['dev-b', sa('search', 'indexer', { irsaRoleArn: roleArn('indexer-v2') })],
    ['dev-a', sa('batch', 'fargate', { irsaRoleArn: roleArn('fargate'), notMigratable: ['runs on Fargate'] })],
    ['dev-a', sa('kube-system', 'ebs-csi', { irsaRoleArn: roleArn('ebs-csi') })],
    ['dev-a', sa('done', 'already', { associations: [{ associationId: 'a-1', roleArn: roleArn('already') }] })],
  ];
  const trusts = new Map<string, ReturnType<typeof irsaStatement>[]>();
  for (const [name, scan] of users) {
    const arn = scan.irsaRoleArn;
    if (!arn || (scan.name === 'checkout' && name === 'dev-b')) continue;
    const roleName = arn.slice(arn.lastIndexOf('/') + 1);
    trusts.set(roleName, [
      ...(trusts.get(roleName) ?? []),
      irsaStatement(ACCOUNT, ISSUER[name] ?? '', scan.namespace, scan.name),
    ]);
  }
  trusts.set('checkout', []);
  const clusterNames = ['dev-a', 'dev-b', 'prod-a'];
  return buildFleetReport({
    scannedAt: '2025-06-01T00:00:00.000Z',
    scope: { clusters: clusterNames, complete: true },
    clusters: clusterNames.map((name) => ({
      cluster: name,
      scan: {
        ...cluster(
          name,
          users.filter(([c]) => c === name).map(([, s]) => s),
        ),
        oidcIssuer: ISSUER[name] ?? '',
      },
    })),
    catalog: catalog(
      [...trusts.entries()].map(([name, statements]) => role(name, statements)),
      Object.values(ISSUER),
    ),
    profiles: [
      ...['solo', 'busy', 'api', 'shared', 'checkout', 'proxy', 'indexer', 'indexer-v2', 'ebs-csi'].map((n) =>
        profile(n),
      ),
      profile('wide', { wildcardActions: ['s3:*'] }),
      profile('admin', { admin: true, wildcardActions: ['*'], allResources: true }),
    ],
    migrations: { available: true, running: [] },
  });
}

const names = (slices: Slices, wave: number) =>
  slices.waves[wave - 1]?.items.map((i) => `${i.serviceAccount.namespace}/${i.serviceAccount.name}`);
const item = (slices: Slices, name: string) =>
  sliceItems(slices).find((i) => `${i.serviceAccount.namespace}/${i.serviceAccount.name}` === name);

describe('risk slices', () => {
  test('waves by blast radius: non-production narrow first, then broader, then production, flagged last', () => {
    const slices = buildSlices(report());
    assert.deepEqual(
      slices.waves.map((w) => [w.wave, names(slices, w.wave)]),
      [
        [1, ['kube-system/ebs-csi', 'dev/solo']],
        [2, ['dev/busy', 'dev/wide']],
        [3, ['shop/api']],
        [4, ['shop/admin']],
        [5, ['orders/checkout', 'orders/proxy', 'team/x', 'team/y']],
      ],
    );
    assert.match(slices.waves[0]!.title, /lowest blast radius/);
    assert.match(slices.waves[4]!.title, /^flagged/);
  });

  test('each placement says why', () => {
    const slices = buildSlices(report());
    assert.deepEqual(item(slices, 'dev/solo')?.reasons, [
      'non-production only: dev-a, dev-b',
      'role solo used by this service account only',
      'narrow policy: 2 actions on 1 resources',
      'few workloads: 1 workload at most per cluster, 4 pods',
    ]);
    assert.ok(item(slices, 'dev/wide')?.reasons.includes('broad policy: 2 actions (1 wildcard) on 1 resources'));
    assert.ok(item(slices, 'dev/busy')?.reasons.includes('many workloads: 3 workloads at most per cluster, 2 pods'));
    assert.equal(item(slices, 'shop/api')?.reasons[0], 'production: prod-a (by name)');
    const shared = item(slices, 'team/x')!;
    assert.deepEqual(shared.flags, ['shared-role']);
    assert.ok(shared.reasons.includes('role shared shared with 1 other service account: team/y'));
    const broken = item(slices, 'orders/checkout')!;
    assert.deepEqual(broken.flags, ['broken']);
    assert.ok(broken.reasons.some((r) => r.startsWith('broken in dev-b: ')));
    assert.deepEqual(item(slices, 'orders/proxy')?.flags, ['blocked']);
    assert.ok(item(slices, 'orders/proxy')?.reasons.includes('preflight would stop it: proxy-no-proxy in dev-a'));
  });

  test('within a service account: non-production clusters before production, the canary first of all', () => {
    assert.deepEqual(item(buildSlices(report()), 'shop/api')?.clusters, ['dev-a', 'prod-a']);
    const canary = buildSlices(report(), { namespaces: [], canary: 'dev-b' });
    assert.deepEqual(item(canary, 'dev/solo')?.clusters, ['dev-b', 'dev-a']);
    assert.ok(item(canary, 'dev/solo')?.reasons.includes('canary dev-b first'));
  });

  test('left out, with the reason: not migratable, two roles for one service account, already done', () => {
    const slices = buildSlices(report());
    assert.deepEqual(
      slices.excluded.map((e) => [e.serviceAccount, e.clusters]),
      [
        ['batch/fargate', ['dev-a']],
        ['search/indexer', ['dev-a', 'dev-b']],
      ],
    );
    assert.match(slices.excluded[0]!.reason, /nothing to migrate: dev-a: not-migratable: runs on Fargate/);
    assert.match(slices.excluded[1]!.reason, /different roles \(indexer in dev-a; indexer-v2 in dev-b\)/);
    assert.equal(item(slices, 'done/already'), undefined);
    assert.equal(
      slices.excluded.some((e) => e.serviceAccount === 'done/already'),
      false,
    );
  });

  test('the policy: production clusters, namespaces kept on IRSA, namespaces pinned to a wave', () => {
    const policy: CampaignPolicy = {
      production: ['dev-b'],
      namespaces: [
        { match: ['kube-*'], keepIrsa: true, reason: 'add-ons stay on IRSA' },
        { match: ['team'], wave: 1, reason: 'the team asked' },
      ],
    };
    const slices = buildSlices(report(), policy);
    assert.deepEqual(
      slices.waves.map((w) => [w.wave, names(slices, w.wave)]),
      [
        [1, ['shop/api', 'team/x', 'team/y']],
        [2, ['dev/busy', 'dev/wide', 'shop/admin']],
        [3, ['dev/solo']],
        [4, ['orders/proxy', 'orders/checkout']],
      ],
    );
    assert.equal(item(slices, 'team/y')?.pinned, true);
    assert.deepEqual(item(slices, 'team/y')?.flags, ['shared-role'], 'a pin keeps the flags');
    assert.equal(item(slices, 'team/y')?.reasons[0], 'pinned to wave 1 by policy: the team asked');
    // dev-b is production now, prod-a is not: dev/solo moves after shop/api's tier.
    assert.equal(item(slices, 'dev/solo')?.reasons[0], 'production: dev-b (by policy)');
    assert.deepEqual(item(slices, 'dev/solo')?.clusters, ['dev-a', 'dev-b']);
    assert.ok(item(slices, 'shop/api')!.wave < item(slices, 'dev/solo')!.wave);
    const kept = slices.excluded.find((e) => e.serviceAccount === 'kube-system/ebs-csi');
    assert.equal(kept?.reason, 'policy keeps namespace kube-system on IRSA: add-ons stay on IRSA');
  });

  test('empty tiers are skipped: the waves are numbered 1, 2, 3…', () => {
    const base = report();
    const onlyFlaggedAndFirst: FleetReport = {
      ...base,
      rows: base.rows.filter((r) => ['solo', 'x', 'y'].includes(r.serviceAccount)),
    };
    const slices = buildSlices(onlyFlaggedAndFirst);
    assert.deepEqual(
      slices.waves.map((w) => [w.wave, names(slices, w.wave)]),
      [
        [1, ['dev/solo']],
        [2, ['team/x', 'team/y']],
      ],
    );
    assert.ok(slices.waves[1]!.items.every((i) => i.wave === 2));
  });

  test('a running migration keeps its service account out', () => {
    const base = report();
    const rows = base.rows.map((r) =>
      r.serviceAccount === 'solo' ? { ...r, migrations: [{ workflowId: 'migrate-identity/dev/solo', runId: 'r' }] } : r,
    );
    const slices = buildSlices({ ...base, rows });
    assert.equal(item(slices, 'dev/solo'), undefined);
    assert.match(slices.excluded.find((e) => e.serviceAccount === 'dev/solo')!.reason, /a migration is running/);
  });

  test('patterns and production by name', () => {
    assert.ok(matchesPattern('payments-*', 'payments-eu'));
    assert.ok(!matchesPattern('payments-*', 'payments'));
    assert.ok(matchesPattern('a.b', 'a.b') && !matchesPattern('a.b', 'axb'), 'dots are literal');
    const byName = (c: string) => productionOf({ namespaces: [] }, c).production;
    assert.deepEqual(
      ['prod-a', 'eu-prod-1', 'production', 'prod2', 'nonprod-a', 'preprod', 'products', 'dev'].map(byName),
      [true, true, true, true, false, false, false, false],
    );
  });
});
