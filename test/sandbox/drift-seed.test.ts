import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../../src/cli/main.js';
import { essentialSnapshot } from '../../src/sandbox/essentials.js';
import { DECOMMISSIONED_ISSUER, driftSeedFleet } from '../../src/sandbox/drift-seed.js';
import { createSandboxFleet, seedFleet } from '../../src/sandbox/index.js';

describe('sandbox drift seed', () => {
  test('adds its cases beside the default fleet and changes nothing the demo migrates', () => {
    const seed = essentialSnapshot(seedFleet());
    const drift = essentialSnapshot(driftSeedFleet());
    for (const [cluster, accounts] of Object.entries(seed.serviceAccountAnnotations)) {
      for (const [sa, annotations] of Object.entries(accounts)) {
        assert.deepEqual(drift.serviceAccountAnnotations[cluster]?.[sa], annotations, `${cluster} ${sa}`);
      }
    }
    for (const [role, trust] of Object.entries(seed.trustPolicies))
      assert.deepEqual(drift.trustPolicies[role], trust, role);
    for (const [cluster, workloads] of Object.entries(seed.workloadCredentials)) {
      for (const [workload, paths] of Object.entries(workloads)) {
        assert.deepEqual(drift.workloadCredentials[cluster]?.[workload], paths, `${cluster} ${workload}`);
      }
    }
    assert.deepEqual(seed.associations, [], 'the default fleet has no association');
    assert.deepEqual(
      drift.associations.map((a) => `${a.cluster} ${a.namespace}/${a.serviceAccount}`),
      [
        'sandbox-a orders/fulfilment',
        'sandbox-a payments/notifier',
        'sandbox-b payments/settlement-exporter',
        'sandbox-c legacy-billing/invoice-sync',
        'sandbox-c search/query-api',
      ],
    );
  });

  test('pods of associated service accounts started on Pod Identity; the retired issuer has no provider', async () => {
    const fleet = createSandboxFleet({ seed: driftSeedFleet() });
    const pods = await fleet.kubernetes.listPods('sandbox-a', 'orders', 'fulfilment');
    assert.equal(pods.length, 2);
    assert.ok(pods.every((p) => p.containers[0]?.env.AWS_CONTAINER_CREDENTIALS_FULL_URI !== undefined));
    const providers = await fleet.iam.listOpenIdConnectProviders();
    assert.equal(providers.length, 4, "the clusters' own");
    assert.ok(!providers.some((p) => DECOMMISSIONED_ISSUER.includes(p.issuerHostPath)));
  });

  test('`sandbox reset --with-drift` puts it in the state file; `sandbox reset` goes back to the seed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mi-drift-seed-'));
    try {
      const env = { MIGRATE_IDENTITY_DATA_DIR: dataDir };
      const cli = async (argv: string[]) => {
        const out: string[] = [];
        const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => out.push(l) }, env);
        return { code, out: out.join('\n') };
      };
      const reset = await cli(['sandbox', 'reset', '--with-drift']);
      assert.deepEqual(reset, { code: 0, out: 'sandbox reset to its seed fleet plus IRSA drift' });
      const shown = JSON.parse((await cli(['sandbox', 'show', '--json'])).out) as {
        associations: { namespace: string }[];
      };
      assert.ok(shown.associations.some((a) => a.namespace === 'legacy-billing'));
      assert.equal((await cli(['sandbox', 'reset'])).code, 0);
      const back = JSON.parse((await cli(['sandbox', 'show', '--json'])).out) as { associations: unknown[] };
      assert.deepEqual(back.associations, []);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
