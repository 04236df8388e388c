import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ActivityDeps } from '../../activities/deps.js';
import { observationActivities } from '../../activities/observation.js';
import { createConsoleNotifier } from '../../src/adapters/console-notifier.js';
import { addPodIdentityTrust, removeStatementBySid } from '../../src/domain/trust-policy.js';
import { createSandboxFleet, type SandboxFleet } from '../../src/sandbox/index.js';
import {
  manualClock,
  RECONCILER,
  reconcilerAssociation,
  ROLE_ARN,
  settleRollout,
} from '../support/sandbox-fixtures.js';

const SA = { namespace: 'payments', name: 'reconciler' };
const HOUR = 3_600_000;
const ROLE = 'eks-payments-reconciler';

function setup() {
  const clock = manualClock();
  const fleet = createSandboxFleet({ now: clock.now, consistencyDelayMs: 0, podStartMs: 1000, cloudTrailDelayMs: 0 });
  const deps = (extra: Partial<ActivityDeps> = {}): ActivityDeps => ({
    ...fleet,
    notifier: createConsoleNotifier(() => undefined),
    ...extra,
  });
  return { clock, fleet, deps };
}

async function issuer(fleet: SandboxFleet, cluster: string): Promise<string> {
  return (await fleet.eks.describeCluster(cluster)).oidcIssuer ?? '';
}

describe('observation activities', () => {
  test('credential errors: none before the migration; the agent’s refusals once the Pod Identity trust is gone', async () => {
    const { clock, fleet, deps } = setup();
    const a = observationActivities(deps());
    const clusters = [{ cluster: 'sandbox-a', issuer: await issuer(fleet, 'sandbox-a') }];
    const iso = (ms: number) => new Date(ms).toISOString();
    const start = clock.now();
    clock.advance(4 * HOUR);
    const before = await a.observeCredentials({
      serviceAccount: SA,
      roleArn: ROLE_ARN,
      clusters,
      since: iso(start),
      until: clock.iso(),
    });
    assert.ok(!('unavailable' in before));
    assert.deepEqual(before.clusters['sandbox-a'], { count: 0, agent: 0, codes: {}, pods: [], eventIds: [] });
    assert.ok(before.profile.webIdentity > 0 && before.profile.podIdentity === 0, JSON.stringify(before.profile));
    assert.deepEqual(before.apiEvents, ['GetObject', 'GetParameter', 'PutObject'], 'the role’s actions');

    // The migration of sandbox-a, by hand.
    const role = await fleet.iam.getRole(ROLE);
    const withTrust = addPodIdentityTrust(role.trustPolicy, 'PodIdentity').document;
    await fleet.iam.updateTrustPolicy(ROLE, withTrust);
    await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    await settleRollout(fleet, clock, 'sandbox-a', RECONCILER);
    clock.advance(3 * HOUR);
    const migrated = clock.now();
    const quiet = await a.observeCredentials({
      serviceAccount: SA,
      roleArn: ROLE_ARN,
      clusters,
      since: iso(migrated - 2 * HOUR),
      until: clock.iso(),
    });
    assert.ok(!('unavailable' in quiet));
    assert.equal(quiet.clusters['sandbox-a']?.agent, 0);
    assert.ok(quiet.profile.podIdentity > 0, JSON.stringify(quiet.profile));

    // Someone removes the Pod Identity statement: every agent refresh is refused from then on.
    await fleet.iam.updateTrustPolicy(ROLE, removeStatementBySid(withTrust, 'PodIdentity').document);
    clock.advance(4 * HOUR);
    const broken = await a.observeCredentials({
      serviceAccount: SA,
      roleArn: ROLE_ARN,
      clusters,
      since: iso(migrated),
      until: clock.iso(),
    });
    assert.ok(!('unavailable' in broken));
    const errors = broken.clusters['sandbox-a']!;
    assert.ok(errors.agent >= 4, JSON.stringify(errors));
    assert.deepEqual(Object.keys(errors.codes), ['AccessDeniedException']);
    assert.ok(errors.eventIds.length > 0);
  });

  test('without CloudTrail the credential sample says so', async () => {
    const { fleet, deps } = setup();
    const a = observationActivities({ ...deps(), cloudTrail: undefined });
    const result = await a.observeCredentials({
      serviceAccount: SA,
      roleArn: ROLE_ARN,
      clusters: [{ cluster: 'sandbox-a', issuer: await issuer(fleet, 'sandbox-a') }],
      since: '2025-06-01T00:00:00.000Z',
      until: '2025-06-01T01:00:00.000Z',
    });
    assert.deepEqual(result, { unavailable: 'no CloudTrail is configured for this worker' });
  });

  test('pods by workload, ready and never restarted; a cluster that does not exist is unread', async () => {
    const { deps } = setup();
    const pods = await observationActivities(deps()).observePods({
      serviceAccount: SA,
      clusters: ['sandbox-b', 'nowhere'],
    });
    assert.deepEqual(pods['sandbox-b'], {
      workloads: [
        { workload: 'Deployment/reconciler', pods: 2, ready: 2, restarts: 0, crashLooping: [] },
        { workload: 'StatefulSet/reconciler-ledger-writer', pods: 2, ready: 2, restarts: 0, crashLooping: [] },
      ],
    });
    assert.ok('unread' in pods.nowhere!);
  });

  test('the rollback note applies while the OIDC provider, the issuer and the room in the trust policy are there', async () => {
    const { fleet, deps } = setup();
    const clusters = await Promise.all(
      ['sandbox-a', 'sandbox-b'].map(async (cluster) => ({
        cluster,
        issuer: await issuer(fleet, cluster),
        previousAnnotation: ROLE_ARN,
      })),
    );
    const role = await fleet.iam.getRole(ROLE);
    const statement = role.trustPolicy.Statement.find((s) =>
      JSON.stringify(s).includes(clusters[1]!.issuer.replace('https://', '')),
    );
    assert.ok(statement, 'the seed trusts sandbox-b’s issuer');
    const input = { roleArn: ROLE_ARN, clusters, removedIrsaTrust: [statement] };

    const ready = await observationActivities(deps()).rollbackReadiness(input);
    assert.deepEqual(ready, { 'sandbox-a': { ready: true, problems: [] }, 'sandbox-b': { ready: true, problems: [] } });

    await fleet.control.putCluster({ name: 'sandbox-a', oidcProviderMissing: true });
    const tight = await observationActivities(deps({ trustPolicyLimit: 100 })).rollbackReadiness(input);
    assert.equal(tight['sandbox-a']?.ready, false);
    assert.match(tight['sandbox-a'].problems.join(), /IAM has no OIDC provider for oidc\.eks\.[^ ]+ any more/);
    assert.equal(tight['sandbox-b']?.ready, false);
    assert.match(
      tight['sandbox-b'].problems.join(),
      /putting the IRSA trust back would make the trust policy \d+ characters, over the quota of 100/,
    );
  });

  test('the role’s associations for other service accounts, across the fleet', async () => {
    const { fleet, deps } = setup();
    const shared = 'arn:aws:iam::111122223333:role/eks-payments-shared';
    for (const cluster of ['sandbox-a', 'sandbox-c']) {
      const association = {
        cluster,
        namespace: 'payments',
        serviceAccount: 'payouts',
        roleArn: shared,
        clientRequestToken: `t-${cluster}`,
      };
      await fleet.eks.createPodIdentityAssociation(association);
    }
    const { users } = await observationActivities(
      deps({ fleetClusters: ['sandbox-a', 'sandbox-b', 'sandbox-c'] }),
    ).roleAssociations({
      roleArn: shared,
      serviceAccount: { namespace: 'payments', name: 'settlement' },
      clusters: ['sandbox-a'],
    });
    assert.deepEqual(
      users.map((u) => `${u.cluster} ${u.namespace}/${u.serviceAccount}`),
      ['sandbox-a payments/payouts', 'sandbox-c payments/payouts'],
    );
  });
});
