import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { federatedIssuers } from '../../src/domain/trust-policy.js';
import { createSandboxFleet, seedFleet } from '../../src/sandbox/index.js';
import { tempStateFile } from '../support/sandbox-fixtures.js';

describe('sandbox fleet-wide reads', () => {
  test("every cluster's issuer is a registered OIDC provider, so the seeded IRSA trust names only providers that exist", async () => {
    const fleet = createSandboxFleet();
    const providers = await fleet.iam.listOpenIdConnectProviders();
    const state = await fleet.control.state();
    const issuers = Object.values(state.clusters).map((c) => c.oidcIssuer?.replace('https://', ''));
    assert.deepEqual(providers.map((p) => p.issuerHostPath).sort(), issuers.sort());
    let checked = 0;
    for (const role of await fleet.iam.listRoles()) {
      for (const statement of role.trustPolicy.Statement) {
        for (const issuer of federatedIssuers(statement)) {
          checked += 1;
          assert.ok(
            providers.some((p) => p.issuerHostPath === issuer),
            `${role.name} trusts ${issuer}`,
          );
        }
      }
    }
    assert.ok(checked >= 4, 'the seed has IRSA trust statements to check');
  });

  test('a provider registered on its own is listed once; a cluster without an issuer has none', async () => {
    const fleet = createSandboxFleet();
    const issuer = 'https://oidc.eks.us-east-1.amazonaws.com/id/DELETEDCLUSTER';
    const arn = await fleet.control.putOidcProvider(issuer);
    assert.equal(await fleet.control.putOidcProvider(issuer), arn);
    await fleet.control.putCluster({ name: 'sandbox-c', oidcIssuer: null });

    const providers = await fleet.iam.listOpenIdConnectProviders();

    assert.equal(providers.filter((p) => p.arn === arn).length, 1);
    assert.equal(providers.length, 4, 'sandbox-a, -b, -unhealthy and the one registered');
    await assert.rejects(fleet.control.putOidcProvider('http://insecure.example'), { kind: 'validation' });
  });

  test('listRoles lists every role once, as getRole reads it; tags default to none', async () => {
    const fleet = createSandboxFleet();
    const state = await fleet.control.state();
    const roles = await fleet.iam.listRoles();
    assert.deepEqual(roles.map((r) => r.name).sort(), Object.keys(state.roles).sort());
    for (const role of roles) assert.deepEqual(role, await fleet.iam.getRole(role.name));
    assert.deepEqual(await fleet.iam.listRoleTags('eks-payments-ledger'), {});
  });

  test('a fleet document saved before OIDC providers and role tags existed still reads, in memory and in a file', async (t) => {
    const temp = await tempStateFile();
    t.after(() => temp.cleanup());
    const old = seedFleet();
    delete old.oidcProviders;
    for (const role of Object.values(old.roles)) delete role.tags;
    for (const fleet of [createSandboxFleet(), createSandboxFleet({ file: temp.file })]) {
      await fleet.control.reset(old);
      assert.equal((await fleet.iam.listOpenIdConnectProviders()).length, 4);
      assert.deepEqual(await fleet.iam.listRoleTags('eks-payments-reconciler'), {});
    }
  });

  test('cluster-wide listings agree with the per-service-account ones', async () => {
    const fleet = createSandboxFleet({ consistencyDelayMs: 0 });
    const k8s = fleet.kubernetes;
    await fleet.control.putServiceAccount('sandbox-b', { namespace: 'shop', name: 'orders', annotations: {} });
    await fleet.control.putWorkload('sandbox-b', { namespace: 'shop', name: 'orders', serviceAccount: 'orders' });

    const accounts = await k8s.listServiceAccounts('sandbox-b');
    assert.deepEqual(
      accounts.map((sa) => `${sa.namespace}/${sa.name}`),
      ['payments/ledger', 'payments/reconciler', 'shop/orders'],
    );
    assert.deepEqual(
      (await k8s.listServiceAccounts('sandbox-b', 'shop')).map((sa) => sa.name),
      ['orders'],
    );
    for (const sa of accounts) {
      assert.deepEqual(sa, await k8s.getServiceAccount('sandbox-b', sa.namespace, sa.name));
      assert.deepEqual(
        (await k8s.listAllWorkloads('sandbox-b')).filter(
          (w) => w.ref.namespace === sa.namespace && w.serviceAccount === sa.name,
        ),
        await k8s.listWorkloads('sandbox-b', sa.namespace, sa.name),
      );
      assert.deepEqual(
        (await k8s.listAllPods('sandbox-b', sa.namespace)).filter((p) => p.serviceAccount === sa.name),
        await k8s.listPods('sandbox-b', sa.namespace, sa.name),
      );
    }
    assert.deepEqual(
      (await k8s.listAllWorkloads('sandbox-b')).map((w) => `${w.ref.kind}/${w.ref.namespace}/${w.ref.name}`),
      [
        'Deployment/payments/ledger',
        'Deployment/payments/reconciler',
        'Deployment/shop/orders',
        'StatefulSet/payments/reconciler-ledger-writer',
      ],
    );
  });

  test('fleet-wide reads use up no fault armed for a migration step', async () => {
    const fleet = createSandboxFleet();
    await fleet.control.setFault({ cluster: 'sandbox-a', step: 'list-pods', kind: 'throttle' });
    await fleet.kubernetes.listAllPods('sandbox-a');
    await fleet.eks.listPodIdentityAssociations('sandbox-a');
    await assert.rejects(fleet.kubernetes.listPods('sandbox-a', 'payments', 'reconciler'), { kind: 'throttled' });
    const calls = await fleet.control.calls();
    assert.equal(calls['sandbox-a:listAllPods'], 1);
    assert.equal(calls['sandbox-a:listPodIdentityAssociations'], 1);
  });

  test('cluster-wide reads of an unknown cluster are not-found', async () => {
    const fleet = createSandboxFleet();
    for (const read of [
      () => fleet.kubernetes.listServiceAccounts('nope'),
      () => fleet.kubernetes.listAllWorkloads('nope'),
      () => fleet.kubernetes.listAllPods('nope'),
      () => fleet.eks.listPodIdentityAssociations('nope'),
    ]) {
      await assert.rejects(read(), { kind: 'not-found' });
    }
  });
});
