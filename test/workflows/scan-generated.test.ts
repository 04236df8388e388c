import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DRIFT_KINDS } from '../../src/domain/drift.js';
import type { FleetReport } from '../../src/domain/fleet-report.js';
import { generateFleet } from '../../src/sandbox/generate.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import { startScanHarness, type ScanHarness } from '../support/scan-harness.js';
import { tempStateFile } from '../support/sandbox-fixtures.js';
import { createTimeSkippingEnv, quietTemporalLogs } from '../support/temporal.js';

quietTemporalLogs();

const SIZE = { clusters: 4, serviceAccounts: 60 };
const [A, B, C, LAST] = ['prod-01', 'prod-02', 'staging-01', 'dev-01'];

describe('scan workflow over a generated fleet in a SQLite store (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  let h: ScanHarness;
  let report: FleetReport;
  let cleanup: () => Promise<void>;

  before(async () => {
    env = await createTimeSkippingEnv();
    const temp = await tempStateFile();
    cleanup = () => temp.cleanup();
    const fleet = createSandboxFleet({ file: temp.file, consistencyDelayMs: 0, podStartMs: 5 });
    await fleet.control.reset(generateFleet(SIZE, 11));
    h = await startScanHarness(env, { fleet });
    ({ report } = await h.scans.scan({
      clusters: [A, B, C, LAST] as string[],
      complete: true,
      trigger: 'on-demand',
    }));
  });
  after(async () => {
    await h?.stop();
    await env?.teardown();
    await cleanup?.();
  });

  test('every drift finding the scan knows, each where the generator put it, and nothing else', () => {
    assert.deepEqual(report.findings.map((f) => [f.kind, f.cluster ?? '', f.serviceAccount ?? '', f.severity]).sort(), [
      ['annotation-roles-differ', '', 'search/indexer', 'risk'],
      ['association-annotation-mismatch', A, 'orders/fulfilment', 'risk'],
      ['association-namespace-missing', C, 'legacy-billing/invoice-sync', 'cleanup'],
      ['association-role-untrusted', C, 'search/query-api', 'broken'],
      ['association-service-account-missing', B, 'payments/settlement-exporter', 'cleanup'],
      ['irsa-role-missing', B, 'orders/refunds', 'broken'],
      ['irsa-trust-missing', B, 'orders/checkout', 'broken'],
      ['irsa-trust-missing', C, 'orders/checkout', 'broken'],
      ['oidc-provider-missing', LAST, '', 'broken'],
      ['pod-identity-trust-unused', '', '', 'cleanup'],
      ['trust-stale-oidc-provider', '', '', 'cleanup'],
    ]);
    assert.deepEqual([...new Set(report.findings.map((f) => f.kind))].sort(), [...DRIFT_KINDS].sort());
  });

  test("the seed's incident: the same microservice in three clusters, one got the trust update, two did not", () => {
    const incident = report.findings.filter((f) => f.kind === 'irsa-trust-missing');
    assert.ok(incident.every((f) => f.evidence.includes(`the same service account and role work in ${A}`)));
    assert.match(incident.find((f) => f.cluster === B)?.evidence[0] ?? '', /orders:checkout-legacy/);
    assert.match(incident.find((f) => f.cluster === C)?.evidence[0] ?? '', /has no trust statement for OIDC issuer/);
    const states = [A, B, C].map(
      (cluster) => report.rows.find((r) => r.cluster === cluster && r.serviceAccount === 'checkout')?.state,
    );
    assert.deepEqual(states, ['irsa', 'broken', 'broken']);
    assert.ok(incident[0]?.fix[0]?.startsWith('aws iam update-assume-role-policy --role-name eks-orders-checkout'));
  });

  test('the inventory: every state, the platforms Pod Identity cannot serve, several controller kinds, shared roles', () => {
    assert.equal(report.clusters.filter((c) => c.status === 'scanned').length, 4);
    for (const c of report.clusters) assert.equal(c.counts?.serviceAccounts, SIZE.serviceAccounts, c.cluster);
    const states = report.summary.states;
    for (const state of ['irsa', 'pod-identity', 'both', 'broken', 'not-migratable', 'unmanaged'] as const) {
      assert.ok(states[state] > 0, `${state}: ${JSON.stringify(states)}`);
    }
    const reasons = report.rows.filter((r) => r.state === 'not-migratable').flatMap((r) => r.reasons);
    for (const pattern of [/Fargate/i, /Windows/i, /agent/i]) {
      assert.ok(
        reasons.some((r) => pattern.test(r)),
        `${String(pattern)} among ${[...new Set(reasons)].join(' | ')}`,
      );
    }
    const kinds = new Set(report.rows.flatMap((r) => r.controllerKinds));
    assert.ok(kinds.has('Deployment') && kinds.has('StatefulSet'), [...kinds].join());
    const shared = report.roles.filter((r) => new Set(r.users.map((u) => u.serviceAccount)).size > 1);
    assert.ok(shared.length > 0, 'a role several service accounts use');
    assert.ok(
      report.roles.some((r) => (r.policy?.wildcardActions.length ?? 0) > 0 && r.policy?.allResources),
      'a role with wildcards on every resource',
    );
  });

  test('the role catalog read in pages (a few roles a ListRoles call, a few KB a page) makes the same report', async () => {
    const paged = await startScanHarness(env, {
      fleet: h.fleet,
      deps: { scanLimits: { bytes: 4_000, rolesPerCall: 7 } },
    });
    try {
      const run = await paged.scans.scan({ clusters: [A, B, C, LAST], complete: true, trigger: 'on-demand' });
      const history = await env.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
      const pages = (history.events ?? []).filter(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'scanRoleCatalogPage',
      );
      assert.ok(pages.length >= 3, `${pages.length} catalog page(s)`);
      const { scannedAt: _at, ...rest } = run.report;
      const { scannedAt: _before, ...expected } = report;
      assert.deepEqual(rest, expected);
    } finally {
      await paged.stop();
    }
  });
});
