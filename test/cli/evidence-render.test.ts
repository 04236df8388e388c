import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderEvidence } from '../../src/cli/evidence-render.js';

describe('renderEvidence', () => {
  test('shows the SDK table, the sessions per cluster, IRSA after the restart and the STS profile', () => {
    const profile = (web: number, pod: number) => ({
      from: '2025-06-01T00:00:00.000Z',
      to: '2025-06-01T01:00:00.000Z',
      webIdentity: web,
      podIdentity: pod,
      throttled: 0,
      webIdentityPerHour: web,
      podIdentityPerHour: pod,
    });
    const lines = renderEvidence({
      sdkAudit: {
        since: '2025-05-31T00:00:00.000Z',
        until: '2025-06-01T00:00:00.000Z',
        usages: [
          {
            cluster: 'sandbox-b',
            userAgent: 'aws-sdk-java/2.20.1 Linux/5.10',
            calls: 96,
            lastSeen: '2025-06-01T00:00:00.000Z',
            verdict: 'too-old',
            sdk: 'Java (Version 2)',
            version: '2.20.1',
            minimum: '2.21.30',
          },
        ],
      },
      podIdentity: {
        'sandbox-a': {
          status: 'found',
          since: '2025-06-01T00:10:00.000Z',
          checkedAt: '2025-06-01T00:15:00.000Z',
          lookups: 3,
          sessions: { count: 2, eventIds: ['e-1', 'e-2'] },
          agentCalls: 2,
          agentErrors: 0,
        },
        'sandbox-b': {
          status: 'absent',
          since: '2025-06-01T00:20:00.000Z',
          checkedAt: '2025-06-01T00:35:00.000Z',
          lookups: 16,
          sessions: { count: 0, eventIds: [] },
          agentCalls: 0,
          agentErrors: 0,
        },
      },
      irsaAfterRestart: {
        checkedAt: '2025-06-01T01:00:00.000Z',
        clusters: {
          'sandbox-a': { count: 1, eventIds: ['w-1'], since: '2025-06-01T00:11:00.000Z', roles: [], userAgents: [] },
        },
      },
      stsProfile: { before: profile(8, 0), after: profile(0, 2) },
    });
    assert.deepEqual(lines, [
      'CloudTrail evidence:',
      '  SDKs of the IRSA sessions since 2025-05-31T00:00:00.000Z (minimums: https://docs.aws.amazon.com/eks/latest/userguide/pod-id-minimum-sdk.html):',
      '    sandbox-b: Java (Version 2) 2.20.1 (minimum 2.21.30): too-old, 96 call(s)',
      '  sandbox-a since 2025-06-01T00:10:00.000Z: 2 Pod Identity session(s), 2 AssumeRoleForPodIdentity; events e-1, e-2',
      '  sandbox-b since 2025-06-01T00:20:00.000Z: absent (16 lookup(s))',
      '  sandbox-a: 1 IRSA web-identity call(s) (w-1) since 2025-06-01T00:11:00.000Z',
      '  STS before: 8/h web identity (8), 0/h Pod Identity (0), 0 throttled',
      '  STS after: 0/h web identity (0), 2/h Pod Identity (2), 0 throttled',
    ]);
  });

  test('a worker without CloudTrail says so in one line', () => {
    assert.deepEqual(
      renderEvidence({ notConfigured: 'no CloudTrail is configured for this worker', podIdentity: {} }),
      ['CloudTrail evidence: none (no CloudTrail is configured for this worker)'],
    );
  });
});
