import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { CSV_COLUMNS } from '../../src/cli/inventory-render.js';
import { runCli } from '../../src/cli/main.js';
import { JSON_SCHEMA_VERSION } from '../../src/cli/render.js';
import type { DriftFinding } from '../../src/domain/drift.js';
import type { FleetReport } from '../../src/domain/fleet-report.js';
import { driftSeedFleet } from '../../src/sandbox/drift-seed.js';
import { startScanHarness, type ScanHarness } from '../support/scan-harness.js';
import { createTimeSkippingEnv, quietTemporalLogs } from '../support/temporal.js';

quietTemporalLogs();

/** Splits RFC 4180 CSV (quoted fields may hold commas, quotes and newlines). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      rows.push([...row, field]);
      row = [];
      field = '';
    } else field += ch;
  }
  rows.push([...row, field]);
  return rows;
}

describe('migrate-identity inventory and drift', () => {
  let env: TestWorkflowEnvironment;
  let h: ScanHarness;
  let dataDir: string;
  let vars: Record<string, string>;
  const cli = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, vars);
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  before(async () => {
    env = await createTimeSkippingEnv();
    h = await startScanHarness(env, { seed: driftSeedFleet() });
    dataDir = mkdtempSync(join(tmpdir(), 'mi-inventory-'));
    vars = { TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: h.taskQueue, MIGRATE_IDENTITY_DATA_DIR: dataDir };
  });
  after(async () => {
    await h?.stop();
    await env?.teardown();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('--json: schemaVersion first, then the whole report', async () => {
    const r = await cli(['inventory', '--json']);
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out) as FleetReport & { schemaVersion: number };
    assert.equal(Object.keys(report)[0], 'schemaVersion');
    assert.equal(report.schemaVersion, JSON_SCHEMA_VERSION);
    assert.deepEqual(report.scope, {
      clusters: ['sandbox-a', 'sandbox-b', 'sandbox-c', 'sandbox-unhealthy'],
      complete: true,
    });
    // Four of them are the seed's role reuse: payments/settlement and payments/payouts on one role in two clusters.
    assert.equal(report.rows.length, 20);
    assert.equal(report.summary.states.broken, 3);
    assert.equal(report.findings.length, 9);
  });

  test('--csv: a header and one line per service account per cluster, quoted where needed', async () => {
    const r = await cli(['inventory', '--csv']);
    assert.equal(r.code, 0, r.err);
    const [header, ...rows] = parseCsv(r.out);
    assert.deepEqual(header, [...CSV_COLUMNS]);
    assert.equal(rows.length, 20);
    const record = (cluster: string, sa: string) => {
      const found = rows.find((x) => x[0] === cluster && `${x[1]}/${x[2]}` === sa);
      assert.ok(found, `${cluster} ${sa}`);
      return Object.fromEntries(header.map((c, i) => [c, found[i]]));
    };
    const broken = record('sandbox-c', 'orders/checkout');
    assert.equal(broken.state, 'broken');
    assert.match(broken.reasons ?? '', /role eks-orders-checkout's trust lacks this cluster's OIDC issuer/);
    assert.equal(broken.shared_clusters, 'sandbox-a;sandbox-b');
    const reconciler = record('sandbox-b', 'payments/reconciler');
    assert.equal(reconciler.workloads, 'Deployment/reconciler;StatefulSet/reconciler-ledger-writer');
    assert.equal(reconciler.controller_kinds, 'Deployment;StatefulSet');
    assert.equal(reconciler.pods, '4');
    assert.equal(reconciler.principal_tags, 'kubernetes-namespace');
    assert.equal(reconciler.trust_limit, '2048');
    assert.equal(Number(reconciler.trust_size) + Number(reconciler.trust_headroom), 2048);
    assert.equal(reconciler.policy_admin, 'false');
    assert.equal(record('sandbox-b', 'payments/ledger').unknown_principal_tags, 'kubernetes-namespaces');
    assert.match(record('sandbox-a', 'payments/fargate-worker').reasons ?? '', /, /, 'a comma inside a quoted field');
  });

  test('the table: one line per service account, why, totals, and the way to the fixes', async () => {
    const r = await cli(['inventory']);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n');
    assert.match(
      lines[0] ?? '',
      /^CLUSTER\s+SERVICE ACCOUNT\s+STATE\s+ROLE\s+SHARED WITH\s+TRUST LEFT\s+POLICY\s+PRINCIPAL TAGS\s+WORKLOADS\s+PODS\s+MIGRATION$/,
    );
    assert.match(
      r.out,
      /^sandbox-b\s+orders\/checkout\s+broken\s+eks-orders-checkout\s+0 SA, 2 cluster\(s\)\s+\d+\s+1 actions on 1 resources\s+-\s+Deployment\/checkout\s+2 \(2 IRSA\)\s+-$/m,
    );
    assert.match(r.out, /^sandbox-a\s+orders\/fulfilment\s+both\s+eks-orders-fulfilment → eks-orders-fulfilment-v2\s/m);
    assert.match(
      r.out,
      /^sandbox-b\s+payments\/reconciler\s+irsa\s+eks-payments-reconciler\s+.*Deployment\/reconciler \+1\s+4 \(4 IRSA\)/m,
    );
    assert.match(r.out, /^why:$/m);
    assert.match(r.out, /^ {2}sandbox-b tools\/backup: 2 pod\(s\) set AWS_ACCESS_KEY_ID themselves$/m);
    assert.match(
      r.out,
      /^20 service account\(s\): 3 broken, 12 irsa, 1 both, 1 pod-identity, 2 not-migratable, 1 unmanaged$/m,
    );
    assert.match(r.out, /^drift: 3 broken, 2 risk, 4 cleanup \(migrate-identity drift: evidence and fix commands\)$/m);
    assert.doesNotMatch(r.out, /running migrations unknown/, 'the harness answers the lookup');
  });

  test('--clusters and --namespace narrow the scan', async () => {
    const r = await cli(['inventory', '--clusters', 'sandbox-a', '--namespace', 'orders', '--json']);
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out) as FleetReport;
    assert.deepEqual(report.scope, { clusters: ['sandbox-a'], namespace: 'orders', complete: false });
    assert.deepEqual(
      report.rows.map((x) => `${x.cluster} ${x.namespace}/${x.serviceAccount}`),
      ['sandbox-a orders/checkout', 'sandbox-a orders/fulfilment'],
    );
  });

  test('drift: each finding with its evidence and fix; exit 1 while something is broken now', async () => {
    const r = await cli(['drift']);
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /^drift in sandbox-a, sandbox-b, sandbox-c, sandbox-unhealthy: 3 broken, 2 risk, 4 cleanup$/m);
    assert.match(
      r.out,
      /^\[broken\] irsa-trust-missing: sandbox-b orders\/checkout: role eks-orders-checkout's trust lacks/m,
    );
    assert.match(r.out, /^ {2}evidence: the same service account and role work in sandbox-a$/m);
    assert.match(
      r.out,
      /^ {4}aws iam update-assume-role-policy --role-name eks-orders-checkout --policy-document '\{/m,
    );
    assert.match(
      r.out,
      /^ {4}aws eks delete-pod-identity-association --region us-east-1 --cluster-name sandbox-c --association-id a-/m,
    );
    const json = await cli(['drift', '--json']);
    assert.equal(json.code, 1);
    const { schemaVersion, findings } = JSON.parse(json.out) as { schemaVersion: number; findings: DriftFinding[] };
    assert.equal(schemaVersion, JSON_SCHEMA_VERSION);
    assert.equal(findings.length, 9);
    const clean = await cli(['drift', '--clusters', 'sandbox-a', '--namespace', 'payments']);
    assert.equal(clean.code, 0, clean.out);
    assert.match(clean.out, /^no drift found$/m);
    assert.match(clean.out, /partial scan: roles trusted for Pod Identity with no association are not checked/);
  });

  test('bad input: one line naming the problem, exit 2, no scan', async () => {
    const unknown = await cli(['inventory', '--clusters', 'prod-x']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /^migrate-identity: unknown cluster prod-x: known clusters are sandbox-a/);
    const both = await cli(['inventory', '--json', '--csv']);
    assert.deepEqual([both.code, both.err], [2, 'migrate-identity: --json and --csv: choose one']);
    const namespace = await cli(['inventory', '--namespace', 'Not_A_Namespace']);
    assert.equal(namespace.code, 2);
    assert.match(namespace.err, /namespace "Not_A_Namespace" is not a valid Kubernetes namespace name/);
    assert.equal((await cli(['drift', '--csv'])).code, 2, 'drift has no CSV');
    assert.equal((await cli(['inventory', 'payments'])).code, 2);
    const every = await cli(['inventory', 'schedule', '--every', '1m']);
    assert.deepEqual(
      [every.code, every.err],
      [2, 'migrate-identity: --every must be at least 5m: a scan reads every cluster'],
    );
  });
});
