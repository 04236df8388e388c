import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { runCli } from '../../src/cli/main.js';
import { JSON_SCHEMA_VERSION } from '../../src/cli/render.js';
import type { Diagnosis, DiagnosisRow } from '../../src/domain/diagnosis.js';
import { ALL_VERIFICATION_PODS, DEFAULT_PROBE } from '../../src/domain/verification-pod.js';
import { driftSeedFleet } from '../../src/sandbox/drift-seed.js';
import { DiagnoseService, diagnoseInputFor } from '../../src/temporal/diagnoses.js';
import { defaultFleet } from '../../src/config/fleet.js';
import { startHarness, type Harness } from '../support/migration-harness.js';
import { createTimeSkippingEnv } from '../support/temporal.js';

const CLUSTERS = ['sandbox-a', 'sandbox-b', 'sandbox-c'];

function row(diagnosis: Diagnosis, cluster: string, check: DiagnosisRow['check']): DiagnosisRow {
  const found = diagnosis.rows.find((r) => r.cluster === cluster && r.check === check);
  assert.ok(found, `${cluster} ${check}`);
  return found;
}

describe('diagnose workflow on the drift fleet (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  let h: Harness;
  let diagnoses: DiagnoseService;
  let dataDir: string;

  before(async () => {
    env = await createTimeSkippingEnv();
    h = await startHarness(env, {
      sandbox: { seed: driftSeedFleet() },
      deps: { verificationProbe: DEFAULT_PROBE, verificationPollMs: 5 },
    });
    diagnoses = new DiagnoseService(env.client, h.taskQueue, 'http://127.0.0.1:8233');
    dataDir = mkdtempSync(join(tmpdir(), 'mi-diagnose-'));
  });
  after(async () => {
    await h?.stop();
    await env?.teardown();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('the 1:17 AM incident: trust updated in one cluster, two left behind, caught per cluster with the fix', async () => {
    const before = await h.fleet.control.essentials();
    const { diagnosis } = await diagnoses.diagnose(
      diagnoseInputFor(
        { fleet: defaultFleet() },
        { serviceAccount: { namespace: 'orders', name: 'checkout' }, requestedBy: 'oncall', clusters: CLUSTERS },
      ),
    );
    assert.equal(diagnosis.serviceAccount, 'orders/checkout');
    // Nine checks per cluster, in the matrix's order.
    assert.equal(diagnosis.rows.length, 27);
    assert.deepEqual(
      diagnosis.rows.filter((r) => r.cluster === 'sandbox-a').map((r) => r.check),
      [
        'service-account',
        'caller-identity',
        'association',
        'agent',
        'compute-type',
        'principal-tags',
        'association-timing',
        'no-proxy',
        'irsa-consistency',
      ],
    );
    // sandbox-a got the trust update: IRSA works, and the verification pod proves it.
    assert.equal(row(diagnosis, 'sandbox-a', 'irsa-consistency').status, 'pass');
    const a = row(diagnosis, 'sandbox-a', 'caller-identity');
    assert.equal(a.status, 'pass', a.reason);
    assert.match(
      a.reason,
      /caller identity arn:aws:sts::111122223333:assumed-role\/eks-orders-checkout\/botocore-session-\d+ \(irsa\)$/,
    );
    assert.equal(row(diagnosis, 'sandbox-a', 'association').status, 'skip');
    for (const cluster of ['sandbox-b', 'sandbox-c']) {
      const irsa = row(diagnosis, cluster, 'irsa-consistency');
      assert.equal(irsa.status, 'fail', cluster);
      assert.match(
        irsa.reason,
        /^irsa-trust-missing: .*role eks-orders-checkout's trust lacks this cluster's OIDC issuer or subject/,
      );
      assert.match(
        irsa.next ?? '',
        /^aws iam update-assume-role-policy --role-name eks-orders-checkout --policy-document '/,
      );
      const identity = row(diagnosis, cluster, 'caller-identity');
      assert.equal(identity.status, 'fail', cluster);
      assert.match(identity.reason, /credentials refused: .*AssumeRoleWithWebIdentity/);
      assert.match(
        identity.next ?? '',
        /^kubectl --context .* --namespace orders run mi-probe --rm -i --restart=Never --image=public\.ecr\.aws\/aws-cli\/aws-cli:/,
      );
      assert.equal(row(diagnosis, cluster, 'agent').status, 'pass');
    }
    assert.equal(diagnosis.summary.fail, 4);
    // Read-only, but for the verification pods, which are gone again.
    assert.deepEqual(await h.fleet.control.essentials(), before);
    for (const cluster of CLUSTERS) {
      assert.deepEqual(await h.fleet.kubernetes.listPodsWithLabels(cluster, ALL_VERIFICATION_PODS), [], cluster);
    }
  });

  test('a healthy Pod Identity service account passes, with its association and the caller identity', async () => {
    const { diagnosis } = await diagnoses.diagnose(
      diagnoseInputFor(
        { fleet: defaultFleet() },
        { serviceAccount: { namespace: 'payments', name: 'notifier' }, requestedBy: 'oncall', clusters: ['sandbox-a'] },
      ),
    );
    assert.deepEqual(
      diagnosis.rows.filter((r) => r.status === 'fail').map((r) => `${r.check}: ${r.reason}`),
      [],
    );
    assert.match(
      row(diagnosis, 'sandbox-a', 'association').reason,
      /^association a-\w+ → arn:aws:iam::111122223333:role\/eks-payments-notifier$/,
    );
    assert.match(row(diagnosis, 'sandbox-a', 'caller-identity').reason, /eks-sandbox-a-mi-verify-.*\(pod-identity\)$/);
  });

  test('the CLI: --json starts with schemaVersion, exit 1 while a check fails; the table shows marks and next commands', async () => {
    const vars = {
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      MIGRATE_IDENTITY_DATA_DIR: dataDir,
    };
    const cli = async (argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, vars);
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const json = await cli(['diagnose', 'orders/checkout', '--clusters', 'sandbox-b', '--no-pod', '--json']);
    assert.equal(json.code, 1, json.err);
    const parsed = JSON.parse(json.out) as Diagnosis & { schemaVersion: number; url: string };
    assert.equal(Object.keys(parsed)[0], 'schemaVersion');
    assert.equal(parsed.schemaVersion, JSON_SCHEMA_VERSION);
    assert.deepEqual(parsed.clusters, ['sandbox-b']);
    assert.equal(parsed.rows.find((r) => r.check === 'caller-identity')?.status, 'skip');
    assert.match(parsed.url, /\/workflows\/migrate-identity-diagnose%2Forders%2Fcheckout%2F/);

    const table = await cli(['diagnose', 'orders/checkout', '--clusters', 'sandbox-a', '--no-pod']);
    assert.equal(table.code, 0, table.err);
    assert.match(
      table.out,
      /^orders\/checkout: 1 cluster\(s\): 0 failing, \d+ warning, \d+ passing, \d+ not applicable$/m,
    );
    assert.match(
      table.out,
      /^ {2}✓ irsa-consistency {4}annotation arn:aws:iam::111122223333:role\/eks-orders-checkout;/m,
    );
    const usage = await cli(['diagnose']);
    assert.equal(usage.code, 2);
    assert.match(usage.err, /diagnose takes one <namespace>\/<service-account>/);
  });
});
