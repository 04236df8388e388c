import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseCloudTrailEvent, type CloudTrailRecord } from '../../src/domain/cloudtrail.js';
import {
  agentCalls,
  auditSdks,
  podIdentitySessions,
  stsProfile,
  summarize,
  webIdentityCalls,
} from '../../src/domain/cloudtrail-evidence.js';

/** The events of the recorded LookupEvents responses (test/fixtures/cloudtrail). */
function recorded(): CloudTrailRecord[] {
  return ['lookup-events-page-1', 'lookup-events-page-2'].flatMap((name) => {
    const { body } = JSON.parse(
      readFileSync(new URL(`../fixtures/cloudtrail/${name}.json`, import.meta.url), 'utf8'),
    ) as { body: { Events: { EventId: string; CloudTrailEvent: string }[] } };
    return body.Events.map((e) => parseCloudTrailEvent({ eventId: e.EventId, document: e.CloudTrailEvent }));
  });
}

const webIdentity = (at: string, over: Partial<CloudTrailRecord> = {}): CloudTrailRecord => ({
  eventId: `w-${at}`,
  eventName: 'AssumeRoleWithWebIdentity',
  eventSource: 'sts.amazonaws.com',
  eventTime: at,
  userAgent: 'aws-sdk-java/2.20.1 Linux/5.10',
  userIdentity: {
    type: 'WebIdentityUser',
    userName: 'system:serviceaccount:payments:reconciler',
    identityProvider: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/AAA',
  },
  requestParameters: { roleArn: 'arn:aws:iam::111122223333:role/r', roleSessionName: 'botocore-session-1' },
  resources: [],
  ...over,
});

describe('CloudTrail evidence over recorded events', () => {
  const events = recorded();

  test('a Pod Identity session is matched by the session tags of the STS AssumeRole EKS Auth made', () => {
    const target = {
      eksClusterName: 'eksworkshop-eksctl',
      serviceAccount: { namespace: 'ns-a', name: 'sa1' },
      roleArn: 'arn:aws:iam::111122223333:role/eks-pod-s3-read-access-role',
      since: '2024-04-16T00:00:00.000Z',
    };
    assert.deepEqual(
      podIdentitySessions(events, target).map((e) => e.eventId),
      ['7b7e4636-4713-3d04-b86a-cd6774cdbae9'],
    );
    assert.deepEqual(
      podIdentitySessions(events, { ...target, serviceAccount: { namespace: 'ns-a', name: 'sa2' } }),
      [],
    );
    assert.deepEqual(podIdentitySessions(events, { ...target, roleArn: 'arn:aws:iam::111122223333:role/other' }), []);
    assert.deepEqual(podIdentitySessions(events, { ...target, since: '2024-04-17T00:00:00.000Z' }), []);
  });

  test('the agent’s eks-auth calls are counted per cluster', () => {
    assert.equal(agentCalls(events, 'eksworkshop-eksctl', '2023-12-01T00:00:00.000Z').length, 1);
    assert.equal(agentCalls(events, 'another', '2023-12-01T00:00:00.000Z').length, 0);
  });

  test('web-identity calls match the subject and the migrated clusters’ issuers', () => {
    const sa = { namespace: 'argo', name: 'awf-aws-executor-plugin' };
    const issuer = 'https://oidc.eks.us-west-2.amazonaws.com/id/A8242F25BFBB8F98F5321B2AE63C8B5C';
    assert.equal(webIdentityCalls(events, sa, [issuer], '2023-11-01T00:00:00.000Z').length, 1);
    assert.equal(
      webIdentityCalls(events, sa, ['https://oidc.eks.us-west-2.amazonaws.com/id/OTHER'], '2023-11-01T00:00:00.000Z')
        .length,
      0,
    );
    assert.equal(
      webIdentityCalls(events, { namespace: 'argo', name: 'x' }, [issuer], '2023-11-01T00:00:00.000Z').length,
      0,
    );
  });
});

describe('summaries and profiles', () => {
  test('a summary keeps the count, the newest few ids and the span', () => {
    const events = ['2025-01-01T00:00:00.000Z', '2025-01-01T02:00:00.000Z', '2025-01-01T01:00:00.000Z'].map((t) =>
      webIdentity(t),
    );
    assert.deepEqual(summarize(events), {
      count: 3,
      eventIds: ['w-2025-01-01T02:00:00.000Z', 'w-2025-01-01T01:00:00.000Z', 'w-2025-01-01T00:00:00.000Z'],
      first: '2025-01-01T00:00:00.000Z',
      last: '2025-01-01T02:00:00.000Z',
    });
    assert.deepEqual(summarize([]), { count: 0, eventIds: [] });
  });

  test('the STS profile counts successful calls per hour and throttling errors', () => {
    const web = [
      webIdentity('2025-01-01T00:10:00.000Z'),
      webIdentity('2025-01-01T00:20:00.000Z'),
      webIdentity('2025-01-01T00:30:00.000Z', { errorCode: 'ThrottlingException', eventId: 't' }),
    ];
    const profile = stsProfile(web, [], web, '2025-01-01T00:00:00.000Z', '2025-01-01T02:00:00.000Z');
    assert.deepEqual(profile, {
      from: '2025-01-01T00:00:00.000Z',
      to: '2025-01-01T02:00:00.000Z',
      webIdentity: 2,
      podIdentity: 0,
      throttled: 1,
      webIdentityPerHour: 1,
      podIdentityPerHour: 0,
    });
  });
});

describe('auditSdks', () => {
  const sa = { namespace: 'payments', name: 'reconciler' };

  test('a too-old SDK is a blocking finding naming the SDK, its version and the minimum', () => {
    const { usages, findings } = auditSdks(
      {
        'sandbox-b': [
          webIdentity('2025-01-01T00:00:00.000Z'),
          webIdentity('2025-01-01T01:00:00.000Z'),
          webIdentity('2025-01-01T01:30:00.000Z', { userAgent: 'aws-cli/2.15.38 Python/3.11.8 Linux/5.10' }),
        ],
      },
      sa,
      { 'sandbox-b': ['StatefulSet/ledger-writer'] },
      '24h',
    );
    assert.deepEqual(
      usages.map((u) => [u.userAgent.split(' ')[0], u.calls, u.verdict, u.sdk, u.version, u.minimum]),
      [
        ['aws-cli/2.15.38', 1, 'supported', 'AWS CLI', '2.15.38', '2.15.0'],
        ['aws-sdk-java/2.20.1', 2, 'too-old', 'Java (Version 2)', '2.20.1', '2.21.30'],
      ],
    );
    assert.equal(findings.length, 1);
    assert.equal(findings[0]?.severity, 'blocking');
    assert.equal(findings[0]?.code, 'sdk-too-old');
    assert.match(findings[0]?.message ?? '', /Java \(Version 2\) 2\.20\.1, older than 2\.21\.30/);
    assert.match(findings[0]?.message ?? '', /pod-id-minimum-sdk\.html/);
    assert.match(findings[0]?.message ?? '', /StatefulSet\/ledger-writer/);
  });

  test('an unknown SDK warns; a cluster without calls warns that nothing was audited', () => {
    const { findings } = auditSdks(
      { a: [webIdentity('2025-01-01T00:00:00.000Z', { userAgent: 'custom-client/1.0' })], b: [] },
      sa,
      {},
      '24h',
    );
    assert.deepEqual(
      findings.map((f) => [f.cluster, f.severity, f.code]),
      [
        ['a', 'warning', 'sdk-unknown'],
        ['b', 'warning', 'sdk-audit-no-calls'],
      ],
    );
  });
});
