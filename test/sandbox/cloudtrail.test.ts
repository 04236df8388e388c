import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { podIdentitySessions, webIdentityCalls, agentCalls } from '../../src/domain/cloudtrail-evidence.js';
import { sdkVerdict } from '../../src/domain/sdk-versions.js';
import { addPodIdentityTrust } from '../../src/domain/trust-policy.js';
import { isPortError } from '../../src/ports/errors.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import { WEB_IDENTITY_EVERY_MS } from '../../src/sandbox/cloudtrail-traffic.js';
import {
  livePods,
  manualClock,
  RECONCILER,
  reconcilerAssociation,
  ROLE_ARN,
  settleRollout,
  STS_PROBE,
} from '../support/sandbox-fixtures.js';

const SA = { namespace: 'payments', name: 'reconciler' };
const HOUR = 3_600_000;

function setup(delay = 60_000) {
  const clock = manualClock();
  const fleet = createSandboxFleet({
    now: clock.now,
    consistencyDelayMs: 0,
    podStartMs: 1000,
    cloudTrailDelayMs: delay,
  });
  const iso = (ms: number) => new Date(ms).toISOString();
  const lookup = (eventName: string, fromMs: number, cluster = 'sandbox-a') =>
    fleet.cloudTrail.lookupEvents(cluster, { eventName, startTime: iso(fromMs) });
  return { clock, fleet, iso, lookup };
}

async function issuerOf(fleet: ReturnType<typeof setup>['fleet'], cluster: string): Promise<string> {
  return (await fleet.eks.describeCluster(cluster)).oidcIssuer ?? '';
}

describe('sandbox CloudTrail: workload traffic', () => {
  test('IRSA workloads call AssumeRoleWithWebIdentity steadily, each with its SDK’s user agent', async () => {
    const { clock, fleet, lookup } = setup();
    const { events, truncated } = await lookup('AssumeRoleWithWebIdentity', clock.now() - 24 * HOUR);
    assert.equal(truncated, false);
    const issuerB = await issuerOf(fleet, 'sandbox-b');
    const reconcilerB = webIdentityCalls(events, SA, [issuerB], new Date(clock.now() - 24 * HOUR).toISOString());
    // Two Deployment pods and two StatefulSet pods, four calls an hour each, for a day.
    assert.equal(reconcilerB.length, (4 * (24 * HOUR)) / WEB_IDENTITY_EVERY_MS);
    const agents = new Set(reconcilerB.map((e) => e.userAgent?.split(' ')[0]));
    assert.deepEqual([...agents].sort(), ['Boto3/1.34.131', 'aws-sdk-java/2.25.70']);
    const ledger = webIdentityCalls(
      events,
      { namespace: 'payments', name: 'ledger' },
      [issuerB],
      '2025-01-01T00:00:00Z',
    );
    assert.ok(ledger.length > 0);
    assert.equal(sdkVerdict(ledger[0]?.userAgent ?? '').status, 'too-old', 'one seeded workload runs an SDK too old');
    // Newest first, unique ids, the same ids on the next lookup.
    assert.ok(events.every((e, i) => i === 0 || events[i - 1]!.eventTime >= e.eventTime));
    assert.equal(new Set(events.map((e) => e.eventId)).size, events.length);
    const again = await lookup('AssumeRoleWithWebIdentity', clock.now() - 24 * HOUR);
    assert.deepEqual(
      again.events.map((e) => e.eventId),
      events.map((e) => e.eventId),
    );
  });

  test('events arrive late: delivery delay, and a late-delivery fault on top', async () => {
    const { clock, fleet, lookup } = setup(5 * 60_000);
    const since = clock.now();
    clock.advance(20 * 60_000);
    const seen = (await lookup('AssumeRoleWithWebIdentity', since)).events;
    const all = await fleet.cloudTrailControl.events(new Date(since).toISOString(), clock.iso());
    assert.ok(all.length > seen.length, 'events of the last five minutes are not delivered yet');
    assert.ok(seen.every((e) => Date.parse(e.eventTime) <= clock.now() - 5 * 60_000));
    await fleet.cloudTrailControl.setLateDelivery(60 * 60_000);
    assert.deepEqual((await lookup('AssumeRoleWithWebIdentity', since)).events, []);
    await fleet.cloudTrailControl.setLateDelivery(0);
    assert.equal((await lookup('AssumeRoleWithWebIdentity', since)).events.length, seen.length);
  });

  test('after the association and a restart: Pod Identity sessions with session tags, no more web identity', async () => {
    const { clock, fleet, lookup } = setup(0);
    const role = await fleet.iam.getRole('eks-payments-reconciler');
    await fleet.iam.updateTrustPolicy(role.name, addPodIdentityTrust(role.trustPolicy).document);
    await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    clock.advance(1000);
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    await settleRollout(fleet, clock, 'sandbox-a', RECONCILER);
    const restartedDone = clock.now();
    clock.advance(2 * HOUR);
    const assume = (await lookup('AssumeRole', restartedDone - 60_000)).events;
    const sessions = podIdentitySessions(assume, {
      eksClusterName: 'sandbox-a',
      serviceAccount: SA,
      roleArn: ROLE_ARN,
      since: new Date(restartedDone - 60_000).toISOString(),
    });
    assert.ok(sessions.length >= 2, `two new pods call through the agent: ${sessions.length}`);
    const eksAuth = (await lookup('AssumeRoleForPodIdentity', restartedDone - 60_000)).events;
    assert.equal(
      agentCalls(eksAuth, 'sandbox-a', new Date(restartedDone - 60_000).toISOString()).length,
      sessions.length,
    );
    const issuer = await issuerOf(fleet, 'sandbox-a');
    const web = (await lookup('AssumeRoleWithWebIdentity', restartedDone)).events;
    assert.deepEqual(webIdentityCalls(web, SA, [issuer], new Date(restartedDone).toISOString()), []);
  });

  test('a hidden web-identity profile keeps calling AssumeRoleWithWebIdentity on Pod Identity', async () => {
    const { clock, fleet, lookup } = setup(0);
    await fleet.cloudTrailControl.setTraffic('sandbox-a/payments/reconciler', { hiddenWebIdentity: true });
    await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    clock.advance(1000);
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    await settleRollout(fleet, clock, 'sandbox-a', RECONCILER);
    const done = clock.now();
    clock.advance(HOUR);
    const issuer = await issuerOf(fleet, 'sandbox-a');
    const web = (await lookup('AssumeRoleWithWebIdentity', done)).events;
    assert.ok(webIdentityCalls(web, SA, [issuer], new Date(done).toISOString()).length > 0);
    for (const pod of await livePods(fleet, 'sandbox-a')) {
      assert.ok(
        pod.containers.every((c) => c.env.AWS_CONTAINER_CREDENTIALS_FULL_URI),
        'the environment says Pod Identity',
      );
    }
  });

  test('without the Pod Identity trust the agent’s calls fail, and no session is opened', async () => {
    const { clock, fleet, lookup } = setup(0);
    await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    clock.advance(1000);
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    await settleRollout(fleet, clock, 'sandbox-a', RECONCILER);
    const done = clock.now();
    clock.advance(HOUR);
    const eksAuth = agentCalls(
      (await lookup('AssumeRoleForPodIdentity', done - 60_000)).events,
      'sandbox-a',
      '2025-01-01T00:00:00Z',
    );
    assert.ok(eksAuth.length > 0);
    assert.ok(eksAuth.every((e) => e.errorCode === 'AccessDeniedException'));
    const assume = (await lookup('AssumeRole', done - 60_000)).events;
    assert.deepEqual(
      podIdentitySessions(assume, {
        eksClusterName: 'sandbox-a',
        serviceAccount: SA,
        roleArn: ROLE_ARN,
        since: '2025-01-01T00:00:00Z',
      }),
      [],
    );
  });

  test('the agent’s calls are refused until a new trust reaches STS, then succeed', async () => {
    // IAM User Guide, "Changes that I make are not always immediately visible".
    const clock = manualClock();
    const fleet = createSandboxFleet({
      now: clock.now,
      consistencyDelayMs: 0,
      iamConsistencyDelayMs: 2 * HOUR + 60_000,
      podStartMs: 1000,
      cloudTrailDelayMs: 0,
    });
    const role = await fleet.iam.getRole('eks-payments-reconciler');
    await fleet.iam.updateTrustPolicy(
      'eks-payments-reconciler',
      addPodIdentityTrust(role.trustPolicy, 'PodIdentity').document,
    );
    const trustWritten = clock.now();
    await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    await settleRollout(fleet, clock, 'sandbox-a', RECONCILER);
    clock.advance(4 * HOUR);
    const calls = agentCalls(
      (
        await fleet.cloudTrail.lookupEvents('sandbox-a', {
          eventName: 'AssumeRoleForPodIdentity',
          startTime: new Date(trustWritten).toISOString(),
        })
      ).events,
      'sandbox-a',
      '2025-01-01T00:00:00Z',
    );
    const propagated = trustWritten + 2 * HOUR + 60_000;
    const before = calls.filter((e) => Date.parse(e.eventTime) < propagated);
    const after = calls.filter((e) => Date.parse(e.eventTime) >= propagated);
    assert.ok(before.length > 0 && after.length > 0, JSON.stringify(calls.map((e) => e.eventTime)));
    assert.ok(before.every((e) => e.errorCode === 'AccessDeniedException'));
    assert.ok(after.every((e) => e.errorCode === undefined));
  });

  test('an idle workload makes no calls', async () => {
    const { clock, fleet, lookup } = setup(0);
    await fleet.cloudTrailControl.setTraffic('payments/reconciler', { idle: true });
    const issuer = await issuerOf(fleet, 'sandbox-a');
    const web = (await lookup('AssumeRoleWithWebIdentity', clock.now() - HOUR)).events;
    assert.deepEqual(webIdentityCalls(web, SA, [issuer], new Date(clock.now() - HOUR).toISOString()), []);
  });
});

describe('sandbox CloudTrail: its own credential answers', () => {
  test('a get-caller-identity probe leaves the CLI’s AssumeRoleWithWebIdentity, then the agent’s calls on Pod Identity', async () => {
    const { clock, fleet, lookup } = setup(0);
    const start = clock.now();
    const [pod] = await livePods(fleet, 'sandbox-c');
    await fleet.kubernetes.exec('sandbox-c', 'payments', pod!.name, 'reconciler', STS_PROBE);
    clock.advance(1);
    const web = (await lookup('AssumeRoleWithWebIdentity', start, 'sandbox-c')).events;
    const probe = web.filter((e) => e.userAgent?.startsWith('aws-cli/'));
    assert.equal(probe.length, 1);
    assert.equal(probe[0]?.eventTime, new Date(start).toISOString());
    assert.equal(probe[0]?.requestParameters?.roleArn, ROLE_ARN);

    const role = await fleet.iam.getRole('eks-payments-reconciler');
    await fleet.iam.updateTrustPolicy(role.name, addPodIdentityTrust(role.trustPolicy).document);
    await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-c'));
    clock.advance(1000);
    await fleet.kubernetes.restartWorkload('sandbox-c', RECONCILER, clock.iso());
    await settleRollout(fleet, clock, 'sandbox-c', RECONCILER);
    const [migrated] = await livePods(fleet, 'sandbox-c');
    const probedAt = clock.now();
    await fleet.kubernetes.exec('sandbox-c', 'payments', migrated!.name, 'reconciler', STS_PROBE);
    clock.advance(1);
    const assume = (await lookup('AssumeRole', probedAt, 'sandbox-c')).events;
    const tagged = podIdentitySessions(assume, {
      eksClusterName: 'sandbox-c',
      serviceAccount: SA,
      roleArn: ROLE_ARN,
      since: new Date(probedAt).toISOString(),
    });
    assert.ok(
      tagged.some((e) => (e.requestParameters?.tags as { value: string }[]).some((t) => t.value === migrated!.name)),
    );
  });

  test('a window that ends before it starts is InvalidTimeRange; an unknown cluster is not found', async () => {
    const { fleet } = setup();
    await assert.rejects(
      fleet.cloudTrail.lookupEvents('sandbox-a', {
        eventName: 'AssumeRole',
        startTime: '2025-06-01T00:00:00Z',
        endTime: '2025-05-01T00:00:00Z',
      }),
      (err) => isPortError(err, 'validation') && err.details.code === 'InvalidTimeRangeException',
    );
    await assert.rejects(
      fleet.cloudTrail.lookupEvents('nope', { eventName: 'AssumeRole', startTime: '2025-05-01T00:00:00Z' }),
      (err) => isPortError(err, 'not-found'),
    );
    assert.equal(fleet.cloudTrail.scopeOf('sandbox-a'), fleet.cloudTrail.scopeOf('sandbox-b'));
  });
});

describe('sandbox CloudTrail: no sooner, no more than CloudTrail', () => {
  // CloudTrail User Guide, "Getting and viewing your CloudTrail log files": "an average of
  // about 5 minutes of an API call. This time is not guaranteed."
  test('by default an event shows up five minutes after it happened, not before', async () => {
    const clock = manualClock();
    const fleet = createSandboxFleet({ now: clock.now, consistencyDelayMs: 0, podStartMs: 1000 });
    const iso = (ms: number) => new Date(ms).toISOString();
    const start = clock.now();
    clock.advance(2 * HOUR);
    // Three minutes after the newest call: it is older than the old 2 s default, younger than 5 minutes.
    const [newest] = await fleet.cloudTrailControl.events(iso(clock.now() - HOUR), clock.iso());
    assert.ok(newest !== undefined);
    clock.advance(Date.parse(newest.eventTime) + 3 * 60_000 - clock.now());
    const now = clock.now();
    const recent = await fleet.cloudTrailControl.events(iso(now - 5 * 60_000 + 1), iso(now - 2000));
    assert.ok(recent.length > 0, 'the seeded workloads made calls in the last five minutes');
    const seen = await fleet.cloudTrail.lookupEvents('sandbox-a', {
      eventName: 'AssumeRoleWithWebIdentity',
      startTime: iso(start),
    });
    assert.ok(seen.events.length > 0);
    assert.ok(seen.events.every((e) => Date.parse(e.eventTime) <= now - 5 * 60_000));
  });

  // LookupEvents returns at most 50 events a call (CloudTrail API Reference, MaxResults):
  // the port reports one page per 50 events, as the real adapter does.
  test('a lookup reports one page per 50 events', async () => {
    const { clock, fleet, iso } = setup();
    let pages = 0;
    const { events } = await fleet.cloudTrail.lookupEvents(
      'sandbox-a',
      { eventName: 'AssumeRoleWithWebIdentity', startTime: iso(clock.now() - 24 * HOUR) },
      () => {
        pages += 1;
      },
    );
    assert.ok(events.length > 50);
    assert.equal(pages, Math.ceil(events.length / 50));
  });
});
