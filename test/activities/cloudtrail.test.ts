import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cloudTrailActivities } from '../../activities/cloudtrail.js';
import type { ActivityDeps } from '../../activities/deps.js';
import type { CloudTrailLookup, CloudTrailRecord } from '../../src/domain/cloudtrail.js';
import type { CloudTrailPort } from '../../src/ports/cloudtrail.js';

const SA = { namespace: 'payments', name: 'reconciler' };
const ISSUER = 'https://oidc.eks.us-east-1.amazonaws.com/id/AAA';

const web = (at: string, userAgent = 'aws-sdk-java/2.20.1 Linux/5.10'): CloudTrailRecord => ({
  eventId: `w-${at}`,
  eventName: 'AssumeRoleWithWebIdentity',
  eventSource: 'sts.amazonaws.com',
  eventTime: at,
  userAgent,
  userIdentity: {
    type: 'WebIdentityUser',
    userName: 'system:serviceaccount:payments:reconciler',
    identityProvider: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/AAA',
  },
  requestParameters: { roleArn: 'arn:aws:iam::111122223333:role/r' },
  resources: [],
});

/** A port over fixed events; every lookup is counted, `truncated` says the answer was cut. */
function fakePort(events: CloudTrailRecord[], truncated = false) {
  const lookups: (CloudTrailLookup & { cluster: string })[] = [];
  const port: CloudTrailPort = {
    scopeOf: (cluster) => (cluster === 'other-account' ? 'b' : 'a'),
    lookupEvents(cluster, lookup, onPage) {
      lookups.push({ cluster, ...lookup });
      onPage?.();
      return Promise.resolve({ events: events.filter((e) => e.eventName === lookup.eventName), truncated });
    },
  };
  return { port, lookups };
}

const deps = (cloudTrail?: CloudTrailPort) => ({ ...(cloudTrail && { cloudTrail }) }) as ActivityDeps;

describe('CloudTrail activities', () => {
  test('without a CloudTrail port they say so and read nothing', async () => {
    const a = cloudTrailActivities(deps());
    assert.deepEqual(
      await a.podIdentityEvidence({
        cluster: 'x',
        serviceAccount: SA,
        roleArn: 'r',
        since: '2025-01-01T00:00:00Z',
        until: '2025-01-02T00:00:00Z',
      }),
      { unavailable: 'no CloudTrail is configured for this worker' },
    );
  });

  test('the SDK audit looks each event name up once per account and Region, and finds the old SDK', async () => {
    const { port, lookups } = fakePort([web('2025-01-01T10:00:00.000Z')]);
    const result = await cloudTrailActivities(deps(port)).auditSdkVersions({
      serviceAccount: SA,
      roleArn: 'arn:aws:iam::111122223333:role/r',
      since: '2025-01-01T00:00:00.000Z',
      until: '2025-01-02T00:00:00.000Z',
      lookback: '24h',
      clusters: [
        { cluster: 'a-1', issuer: ISSUER, workloads: ['Deployment/reconciler'] },
        { cluster: 'a-2', workloads: [] },
        { cluster: 'other-account', workloads: [] },
      ],
    });
    assert.deepEqual(
      lookups.map((l) => `${l.cluster} ${l.eventName}`),
      [
        'a-1 AssumeRoleWithWebIdentity',
        'other-account AssumeRoleWithWebIdentity',
        'a-1 AssumeRole',
        'other-account AssumeRole',
      ],
    );
    assert.ok(!('unavailable' in result));
    assert.deepEqual(
      result.findings.map((f) => [f.cluster, f.code]),
      [
        ['a-1', 'sdk-too-old'],
        ['a-2', 'sdk-audit-no-calls'],
        ['other-account', 'sdk-audit-no-calls'],
      ],
    );
    assert.deepEqual(result.truncated, []);
    assert.equal(result.profile.webIdentity, 1);
  });

  test('a lookup cut at its limit is reported as truncated, naming the event and how far back it read', async () => {
    const { port } = fakePort([web('2025-01-01T12:00:00.000Z')], true);
    const result = await cloudTrailActivities(deps(port)).irsaAfterRestart({
      serviceAccount: SA,
      roleArn: 'arn:aws:iam::111122223333:role/r',
      clusters: [{ cluster: 'a-1', issuer: ISSUER, since: '2025-01-01T11:00:00.000Z' }],
      profileFrom: '2025-01-01T11:00:00.000Z',
      until: '2025-01-01T13:00:00.000Z',
    });
    assert.ok(!('unavailable' in result));
    assert.equal(result.clusters['a-1']?.count, 1);
    assert.deepEqual(result.clusters['a-1']?.roles, ['arn:aws:iam::111122223333:role/r']);
    assert.deepEqual(result.truncated, [
      "AssumeRoleWithWebIdentity (a-1's account and Region) before 2025-01-01T12:00:00.000Z",
      "AssumeRole (a-1's account and Region) before 2025-01-01T13:00:00.000Z",
    ]);
  });
});
