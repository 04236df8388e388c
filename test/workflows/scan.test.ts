import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DriftFinding, DriftKind } from '../../src/domain/drift.js';
import type { FleetReport } from '../../src/domain/fleet-report.js';
import { irsaIssuersTrusted } from '../../src/domain/trust-policy.js';
import type { PolicyDocument } from '../../src/domain/types.js';
import { driftSeedFleet } from '../../src/sandbox/drift-seed.js';
import { scanProgressQuery, SCAN_WORKFLOW_TYPE } from '../../workflows/scan/messages.js';
import { fleetScanInput, startScanHarness, type ScanHarness } from '../support/scan-harness.js';
import { createTimeSkippingEnv, quietTemporalLogs } from '../support/temporal.js';

quietTemporalLogs();

const ROLE = (name: string) => `arn:aws:iam::111122223333:role/${name}`;
const row = (report: FleetReport, cluster: string, sa: string) =>
  report.rows.find((r) => r.cluster === cluster && `${r.namespace}/${r.serviceAccount}` === sa);

/** The document a `… --policy-document '<json>'` fix would write. */
function documentIn(command: string): PolicyDocument {
  const json = /--policy-document '(.*)'$/s.exec(command)?.[1];
  assert.ok(json, `no policy document in ${command}`);
  return JSON.parse(json.replace(/'\\''/g, "'")) as PolicyDocument;
}

async function until(probe: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('scan workflow over the sandbox with drift (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  let h: ScanHarness;
  let report: FleetReport;
  let workflowId: string;
  const only = (kind: DriftKind): DriftFinding[] => report.findings.filter((f) => f.kind === kind);

  before(async () => {
    env = await createTimeSkippingEnv();
    h = await startScanHarness(env, { seed: driftSeedFleet() });
    h.running = [
      {
        workflowId: 'migrate-identity/payments/reconciler',
        runId: 'run-1',
        serviceAccount: 'payments/reconciler',
        clusters: ['sandbox-a', 'sandbox-b'],
      },
    ];
    ({ report, workflowId } = await h.scans.scan(fleetScanInput()));
  });
  after(async () => {
    await h?.stop();
    await env?.teardown();
  });

  test("the seed's incident: one cluster got the trust update, two did not; the fix command repairs both", async () => {
    const incident = only('irsa-trust-missing');
    assert.deepEqual(
      incident.map((f) => [f.cluster, f.serviceAccount, f.severity]),
      [
        ['sandbox-b', 'orders/checkout', 'broken'],
        ['sandbox-c', 'orders/checkout', 'broken'],
      ],
    );
    assert.match(incident[0]!.evidence[0]!, /admits|trusts issuer .* for system:serviceaccount:orders:checkout-legacy/);
    assert.match(incident[1]!.evidence[0]!, /has no trust statement for OIDC issuer/);
    assert.ok(incident.every((f) => f.evidence.includes('the same service account and role work in sandbox-a')));
    assert.equal(row(report, 'sandbox-a', 'orders/checkout')?.state, 'irsa');
    assert.equal(row(report, 'sandbox-b', 'orders/checkout')?.state, 'broken');

    const before = await h.fleet.iam.getRole('eks-orders-checkout');
    const fixed = documentIn(incident[0]!.fix[0]!);
    await h.fleet.iam.updateTrustPolicy('eks-orders-checkout', fixed);
    try {
      const issuers = await Promise.all(
        ['sandbox-a', 'sandbox-b', 'sandbox-c'].map(async (c) => (await h.fleet.eks.describeCluster(c)).oidcIssuer),
      );
      assert.equal(irsaIssuersTrusted(fixed, 'orders', 'checkout').length, issuers.length);
      const rescan = await h.scans.scan(fleetScanInput({ namespace: 'orders' }));
      assert.deepEqual(
        rescan.report.findings.filter((f) => f.kind === 'irsa-trust-missing'),
        [],
        'the fix command leaves nothing to find',
      );
      assert.deepEqual(
        rescan.report.rows.filter((r) => r.serviceAccount === 'checkout').map((r) => r.state),
        ['irsa', 'irsa', 'irsa'],
      );
    } finally {
      await h.fleet.iam.updateTrustPolicy('eks-orders-checkout', before.trustPolicy);
    }
  });

  test('the same service account annotated with different roles in two clusters', () => {
    const [finding, ...rest] = only('annotation-roles-differ');
    assert.equal(rest.length, 0);
    assert.equal(finding?.serviceAccount, 'search/indexer');
    assert.deepEqual(finding?.evidence, [
      `sandbox-a: ${ROLE('eks-search-indexer')}`,
      `sandbox-b: ${ROLE('eks-search-indexer-v2')}`,
    ]);
    assert.equal(finding?.fix.length, 1);
    assert.match(
      finding.fix[0]!,
      /^kubectl --context arn:aws:eks:us-east-1:111122223333:cluster\/sandbox-b --namespace search annotate serviceaccount indexer eks\.amazonaws\.com\/role-arn=/,
    );
  });

  test('an association whose role differs from the annotation', () => {
    const [finding] = only('association-annotation-mismatch');
    assert.deepEqual(
      [finding?.cluster, finding?.serviceAccount, finding?.roleArn],
      ['sandbox-a', 'orders/fulfilment', ROLE('eks-orders-fulfilment-v2')],
    );
    assert.equal(row(report, 'sandbox-a', 'orders/fulfilment')?.state, 'both');
    assert.match(
      finding!.fixNote!,
      /aws eks update-pod-identity-association --region us-east-1 --cluster-name sandbox-a --association-id a-/,
    );
  });

  test('an association for a service account that no longer exists', () => {
    const [finding, ...rest] = only('association-service-account-missing');
    assert.equal(rest.length, 0);
    assert.deepEqual(
      [finding?.cluster, finding?.serviceAccount, finding?.severity],
      ['sandbox-b', 'payments/settlement-exporter', 'cleanup'],
    );
    assert.match(
      finding!.fix[0]!,
      /^aws eks delete-pod-identity-association --region us-east-1 --cluster-name sandbox-b --association-id a-[0-9a-f]{17}$/,
    );
    assert.equal(row(report, 'sandbox-b', 'payments/settlement-exporter'), undefined, 'no inventory row for it');
  });

  test('an association for a namespace that no longer exists', () => {
    const [finding] = only('association-namespace-missing');
    assert.deepEqual([finding?.cluster, finding?.serviceAccount], ['sandbox-c', 'legacy-billing/invoice-sync']);
    assert.match(finding!.evidence[1]!, /namespace legacy-billing has no service account at all/);
  });

  test('a trust statement for an OIDC provider that no longer exists', async () => {
    const [finding] = only('trust-stale-oidc-provider');
    assert.equal(finding?.roleArn, ROLE('eks-search-indexer'));
    const fixed = documentIn(finding.fix[0]!);
    const current = await h.fleet.iam.getRole('eks-search-indexer');
    assert.equal(fixed.Statement.length, current.trustPolicy.Statement.length - 1);
    assert.deepEqual(fixed.Statement[0], current.trustPolicy.Statement[0], "sandbox-a's statement stays");
  });

  test('an association whose role does not trust pods.eks.amazonaws.com', () => {
    const [finding] = only('association-role-untrusted');
    assert.deepEqual(
      [finding?.cluster, finding?.serviceAccount, finding?.severity],
      ['sandbox-c', 'search/query-api', 'broken'],
    );
    assert.match(
      documentIn(finding!.fix[0]!)
        .Statement.map((s) => JSON.stringify(s.Principal))
        .join(),
      /pods\.eks\.amazonaws\.com/,
    );
    assert.equal(row(report, 'sandbox-c', 'search/query-api')?.state, 'broken');
  });

  test('a role trusted for Pod Identity with no association anywhere; a partial scan does not claim it', async () => {
    assert.deepEqual(
      only('pod-identity-trust-unused').map((f) => f.roleArn),
      [ROLE('eks-reports-generator')],
    );
    const partial = await h.scans.scan(fleetScanInput({ clusters: ['sandbox-a', 'sandbox-b'] }));
    assert.equal(partial.report.scope.complete, false);
    assert.deepEqual(
      partial.report.findings.filter((f) => f.kind === 'pod-identity-trust-unused'),
      [],
    );
  });

  test('an annotation naming a role that does not exist', async () => {
    const ghost = { namespace: 'orders', name: 'ghost' };
    await h.fleet.control.putServiceAccount('sandbox-c', {
      ...ghost,
      annotations: { 'eks.amazonaws.com/role-arn': ROLE('eks-orders-ghost') },
    });
    try {
      const scan = await h.scans.scan(fleetScanInput({ clusters: ['sandbox-c'], namespace: 'orders' }));
      const [finding] = scan.report.findings.filter((f) => f.kind === 'irsa-role-missing');
      assert.deepEqual([finding?.serviceAccount, finding?.severity], ['orders/ghost', 'broken']);
      assert.match(
        finding!.fix[0]!,
        /^aws iam create-role --role-name eks-orders-ghost --assume-role-policy-document '/,
      );
      assert.equal(scan.report.roles.find((r) => r.name === 'eks-orders-ghost')?.status, 'missing');
    } finally {
      await h.fleet.control.putServiceAccount('sandbox-c', { ...ghost, annotations: {} });
    }
  });

  test('inventory: states with reasons, roles with their users and reach, workloads, running migrations', () => {
    const states = Object.fromEntries(
      report.rows.map((r) => [`${r.cluster} ${r.namespace}/${r.serviceAccount}`, r.state]),
    );
    assert.deepEqual(states, {
      'sandbox-a orders/checkout': 'irsa',
      'sandbox-a orders/fulfilment': 'both',
      'sandbox-a payments/fargate-worker': 'not-migratable',
      'sandbox-a payments/notifier': 'pod-identity',
      'sandbox-a payments/payouts': 'irsa',
      'sandbox-a payments/reconciler': 'irsa',
      'sandbox-a payments/settlement': 'irsa',
      'sandbox-a search/indexer': 'irsa',
      'sandbox-b orders/checkout': 'broken',
      'sandbox-b payments/ledger': 'irsa',
      'sandbox-b payments/reconciler': 'irsa',
      'sandbox-b search/indexer': 'irsa',
      'sandbox-b tools/backup': 'unmanaged',
      'sandbox-c orders/checkout': 'broken',
      'sandbox-c payments/egress-proxy': 'irsa',
      'sandbox-c payments/payouts': 'irsa',
      'sandbox-c payments/reconciler': 'irsa',
      'sandbox-c payments/settlement': 'irsa',
      'sandbox-c search/query-api': 'broken',
      'sandbox-unhealthy payments/reconciler': 'not-migratable',
    });
    assert.match(row(report, 'sandbox-a', 'payments/fargate-worker')!.reasons.join(), /Fargate/);
    assert.match(row(report, 'sandbox-unhealthy', 'payments/reconciler')!.reasons.join(), /DEGRADED/);
    assert.deepEqual(row(report, 'sandbox-c', 'payments/egress-proxy')?.blockers, ['proxy-no-proxy']);

    const ledgerWriter = row(report, 'sandbox-b', 'payments/reconciler')!;
    assert.deepEqual(ledgerWriter.workloads, ['Deployment/reconciler', 'StatefulSet/reconciler-ledger-writer']);
    assert.deepEqual(ledgerWriter.controllerKinds, ['Deployment', 'StatefulSet']);
    assert.deepEqual(ledgerWriter.pods, { total: 4, irsa: 4, podIdentity: 0, staticKeys: 0 });
    assert.deepEqual(ledgerWriter.migrations, [{ workflowId: 'migrate-identity/payments/reconciler', runId: 'run-1' }]);
    assert.deepEqual(
      row(report, 'sandbox-c', 'payments/reconciler')?.migrations,
      [],
      'the migration does not cover sandbox-c',
    );
    assert.deepEqual(row(report, 'sandbox-a', 'payments/notifier')?.pods, {
      total: 2,
      irsa: 0,
      podIdentity: 2,
      staticKeys: 0,
    });

    const reconciler = report.roles.find((r) => r.name === 'eks-payments-reconciler')!;
    assert.deepEqual(
      [...new Set(reconciler.users.map((u) => u.cluster))],
      ['sandbox-a', 'sandbox-b', 'sandbox-c', 'sandbox-unhealthy'],
    );
    assert.equal(reconciler.trust?.limit, 2048);
    assert.ok(reconciler.trust.headroom > 0 && reconciler.trust.headroom < 2048);
    assert.equal(reconciler.trust?.oidcIssuers, 4);
    assert.deepEqual(reconciler.principalTags, { keys: ['kubernetes-namespace'], unknown: [] });
    assert.equal(reconciler.policy?.policies, 2);
    assert.deepEqual(report.roles.find((r) => r.name === 'eks-payments-ledger')?.principalTags?.unknown, [
      'kubernetes-namespaces',
    ]);
    assert.deepEqual(report.summary.findings, { broken: 3, risk: 2, cleanup: 4 });
  });

  test('progress: every cluster read, none failed; the run is a scanWorkflow', async () => {
    const handle = env.client.workflow.getHandle(workflowId);
    assert.deepEqual(await handle.query(scanProgressQuery), {
      phase: 'done',
      clusters: { total: 4, done: 4, failed: [] },
      // The roles in use, and the two that only orphaned associations name.
      roles: { total: report.roles.length + 2, done: report.roles.length + 2 },
    });
    assert.equal((await handle.describe()).type, SCAN_WORKFLOW_TYPE);
  });

  test('a cluster that cannot be read is reported; the others are scanned', async () => {
    const { report: partial } = await h.scans.scan({ ...fleetScanInput(), clusters: ['sandbox-a', 'sandbox-gone'] });
    assert.deepEqual(
      partial.clusters.map((c) => [c.cluster, c.status]),
      [
        ['sandbox-a', 'scanned'],
        ['sandbox-gone', 'failed'],
      ],
    );
    assert.match(partial.clusters[1]?.error ?? '', /No cluster found for name: sandbox-gone/);
    assert.ok(partial.rows.some((r) => r.cluster === 'sandbox-a'));
    assert.deepEqual(
      partial.findings.filter((f) => f.kind === 'pod-identity-trust-unused'),
      [],
      'not complete',
    );
  });

  test('the default seed, as the demo runs it, has no drift', async () => {
    const clean = await startScanHarness(env);
    try {
      const { report: seed } = await clean.scans.scan(fleetScanInput());
      assert.deepEqual(seed.findings, []);
      // The seed's role reuse included: payments/settlement and payments/payouts share a role in two clusters.
      assert.equal(seed.summary.serviceAccounts, 11);
    } finally {
      await clean.stop();
    }
  });
});

describe('scheduled scans post new drift only (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  let h: ScanHarness;
  before(async () => {
    env = await createTimeSkippingEnv();
    h = await startScanHarness(env, { seed: driftSeedFleet() });
  });
  after(async () => {
    await h?.stop();
    await env?.teardown();
  });

  test('the first scan posts all drift, an unchanged fleet posts nothing, a new drift is posted alone', async () => {
    // Cron runs hand each run the previous run's result, as a Schedule does (the time-skipping
    // server has no Schedules; test/e2e/scan-schedule.test.ts runs the real one on the dev server).
    const handle = await env.client.workflow.start(SCAN_WORKFLOW_TYPE, {
      taskQueue: h.taskQueue,
      workflowId: 'scheduled-scan-test',
      args: [{ ...fleetScanInput(), trigger: 'schedule' }],
      cronSchedule: '0 3 * * *',
    });
    const nextRun = async () => {
      const pending = (await handle.describe()).runId;
      await env.sleep('1 day');
      await until(async () => (await handle.describe()).runId !== pending, 'the scheduled scan to finish');
    };
    try {
      await nextRun();
      assert.equal(h.posts.length, 1);
      assert.equal(h.posts[0]?.newFindings.length, 9);
      assert.deepEqual(h.posts[0]?.totals, { broken: 3, risk: 2, cleanup: 4 });
      assert.match(h.posts[0]?.workflowId ?? '', /^scheduled-scan-test/);

      await nextRun();
      assert.equal(h.posts.length, 1, 'nothing changed: nothing posted');

      await h.fleet.control.putServiceAccount('sandbox-a', {
        namespace: 'orders',
        name: 'ghost',
        annotations: { 'eks.amazonaws.com/role-arn': ROLE('eks-orders-ghost') },
      });
      const stale = h.posts[0].newFindings.find((f) => f.kind === 'trust-stale-oidc-provider')!;
      await h.fleet.iam.updateTrustPolicy('eks-search-indexer', documentIn(stale.fix[0]!));
      await nextRun();
      assert.equal(h.posts.length, 2);
      assert.deepEqual(
        h.posts[1]?.newFindings.map((f) => [f.kind, f.cluster, f.serviceAccount]),
        [['irsa-role-missing', 'sandbox-a', 'orders/ghost']],
        'only the new drift; the fixed one is not news',
      );

      await nextRun();
      assert.equal(h.posts.length, 2);
    } finally {
      await handle.terminate();
    }
  });
});
