import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { isPortError } from '../../src/ports/errors.js';
import { openFleetPorts } from '../../src/runtime/fleet-ports.js';

/** A kubeconfig whose one context authenticates with `aws eks get-token`, as update-kubeconfig writes it. */
function kubeconfig(getTokenArgs: string[]): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'staging', cluster: { server: 'https://127.0.0.1:1' } }],
    users: [
      {
        name: 'staging',
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1beta1',
            // Never a real CLI: the check reads the arguments, and no test should reach AWS.
            command: '/nonexistent/aws',
            args: ['eks', 'get-token', ...getTokenArgs],
          },
        },
      },
    ],
    contexts: [{ name: 'staging-admin', context: { cluster: 'staging', user: 'staging' } }],
  });
}

async function fleetWith(t: TestContext, cluster: Record<string, string>, getTokenArgs: string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'fleet-ports-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'kubeconfig'), kubeconfig(getTokenArgs));
  const fleetFile = join(dir, 'fleet.yaml');
  const fleet = {
    mode: 'aws',
    defaults: { region: 'eu-west-1' },
    clusters: [{ ...cluster, kubeconfigContext: 'staging-admin', kubeconfigPath: join(dir, 'kubeconfig') }],
  };
  // YAML is a superset of JSON.
  await writeFile(fleetFile, JSON.stringify(fleet));
  return openFleetPorts(loadConfig({ MIGRATE_IDENTITY_FLEET_FILE: fleetFile, MIGRATE_IDENTITY_DATA_DIR: dir }));
}

describe('a kubeconfig-context cluster and its EKS name', () => {
  test('a context that reaches another EKS cluster than eksClusterName is refused, naming the field', async (t) => {
    const ports = await fleetWith(t, { name: 'staging' }, ['--cluster-name', 'staging-eks', '--region', 'eu-west-1']);

    await assert.rejects(ports.kubernetes.getServiceAccount('staging', 'payments', 'reconciler'), (err: unknown) => {
      assert.ok(isPortError(err, 'validation'), String(err));
      assert.match(err.message, /clusters\.staging\.eksClusterName: .*reaches EKS cluster "staging-eks"/);
      assert.match(err.message, /set eksClusterName: staging-eks/);
      return true;
    });
    assert.equal(ports.eksClusterName?.('staging'), 'staging');
  });

  test('a context in another region is refused', async (t) => {
    const ports = await fleetWith(t, { name: 'staging', eksClusterName: 'staging-eks' }, [
      '--cluster-name',
      'staging-eks',
      '--region',
      'us-west-2',
    ]);

    await assert.rejects(ports.kubernetes.getServiceAccount('staging', 'payments', 'reconciler'), (err: unknown) => {
      assert.ok(isPortError(err, 'validation'), String(err));
      assert.match(err.message, /clusters\.staging\.region: .*us-west-2/);
      return true;
    });
  });

  test('with eksClusterName set to the context’s cluster, EKS calls use it', async (t) => {
    const ports = await fleetWith(t, { name: 'staging', eksClusterName: 'staging-eks' }, [
      '--cluster-name',
      'staging-eks',
    ]);

    assert.equal(ports.eksClusterName?.('staging'), 'staging-eks');
    // Past the check: the call goes out to the (unreachable) API server.
    await assert.rejects(ports.kubernetes.getServiceAccount('staging', 'payments', 'reconciler'), (err: unknown) => {
      assert.ok(isPortError(err), String(err));
      assert.notEqual(err.kind, 'validation', err.message);
      return true;
    });
  });
});
