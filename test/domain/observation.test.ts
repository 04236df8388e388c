import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CredentialErrorCounts } from '../../src/domain/credential-errors.js';
import {
  digestLines,
  newRegressions,
  OBSERVATION_DEFAULTS,
  observationOptions,
  regressionsOf,
  type CredentialErrorBaseline,
  type ObservationSample,
  type ObservationState,
} from '../../src/domain/observation.js';

const errors = (count: number, agent = 0): CredentialErrorCounts => ({
  count,
  agent,
  codes: count + agent > 0 ? { AccessDeniedException: count + agent } : {},
  pods: count > 0 ? ['reconciler-abc'] : [],
  eventIds: count + agent > 0 ? ['ev-1'] : [],
});

/** 24 hours before the migration with `before` errors in sandbox-a. */
const baseline = (before: number): CredentialErrorBaseline => ({
  from: '2025-01-01T00:00:00.000Z',
  to: '2025-01-02T00:00:00.000Z',
  clusters: { 'sandbox-a': errors(before) },
});

/** A 4-hour sample. */
const sample = (clusters: ObservationSample['clusters'], over: Partial<ObservationSample> = {}) => ({
  at: '2025-01-03T04:00:00.000Z',
  from: '2025-01-03T00:00:00.000Z',
  to: '2025-01-03T04:00:00.000Z',
  clusters,
  ...over,
});

const healthy = { workload: 'Deployment/reconciler', pods: 2, ready: 2, restarts: 0, crashLooping: [] };

describe('observation: options, regressions, digest', () => {
  test('by default a run observes 7 days with a sample every 4 hours; 0 is allowed and kept', () => {
    assert.equal(observationOptions({}).durationSeconds, 7 * 86_400);
    assert.equal(observationOptions({}).sampleSeconds, 4 * 3600);
    assert.deepEqual(observationOptions({ observation: { durationSeconds: 0 } }), {
      ...OBSERVATION_DEFAULTS,
      durationSeconds: 0,
    });
  });

  test('a quiet sample regresses nothing', () => {
    const s = sample([
      { cluster: 'sandbox-a', errors: errors(0), workloads: [healthy], readiness: { ready: true, problems: [] } },
    ]);
    assert.deepEqual(regressionsOf(s, baseline(0), OBSERVATION_DEFAULTS), []);
  });

  test('credential errors above the baseline rate times the factor regress, naming codes, pods and events', () => {
    const s = sample([{ cluster: 'sandbox-a', errors: errors(4) }]);
    const [r, ...rest] = regressionsOf(s, baseline(0), OBSERVATION_DEFAULTS);
    assert.equal(rest.length, 0);
    assert.equal(r?.key, 'errors:sandbox-a');
    assert.match(
      r.message,
      /sandbox-a: 4 credential errors of the service account in 4h \(1\/h\), against 0\/h before/,
    );
    assert.match(r.message, /AccessDeniedException ×4; pods reconciler-abc; events ev-1/);
  });

  test('errors at the baseline’s rate, or fewer than the minimum, do not regress', () => {
    // 24 in 24 h before: 1/h; 4 in 4 h now is the same rate.
    assert.deepEqual(
      regressionsOf(sample([{ cluster: 'sandbox-a', errors: errors(4) }]), baseline(24), OBSERVATION_DEFAULTS),
      [],
    );
    // 2 are below minErrors (3), whatever the baseline.
    assert.deepEqual(
      regressionsOf(sample([{ cluster: 'sandbox-a', errors: errors(2) }]), baseline(0), OBSERVATION_DEFAULTS),
      [],
    );
    // 9 in 4 h is 2.25/h, above twice 1/h.
    assert.equal(
      regressionsOf(sample([{ cluster: 'sandbox-a', errors: errors(9) }]), baseline(24), OBSERVATION_DEFAULTS).length,
      1,
    );
  });

  test('the agent’s errors on the cluster regress on their own key, said to be cluster-wide', () => {
    const [r] = regressionsOf(
      sample([{ cluster: 'sandbox-a', errors: errors(0, 5) }]),
      baseline(0),
      OBSERVATION_DEFAULTS,
    );
    assert.equal(r?.key, 'agent-errors:sandbox-a');
    assert.match(r.message, /any service account's/);
  });

  test('without a baseline any errors from the minimum on regress, and say so', () => {
    const [r] = regressionsOf(sample([{ cluster: 'sandbox-a', errors: errors(3) }]), undefined, OBSERVATION_DEFAULTS);
    assert.match(r!.message, /no baseline/);
  });

  test('CrashLoopBackOff, restarts from the threshold on, a stale rollback note and a blocking reuse finding regress', () => {
    const s = sample(
      [
        {
          cluster: 'sandbox-a',
          workloads: [
            { ...healthy, ready: 1, restarts: 1, crashLooping: ['reconciler-abc'] },
            { workload: 'StatefulSet/writer', pods: 1, ready: 1, restarts: 3, crashLooping: [] },
            { workload: 'Deployment/quiet', pods: 1, ready: 1, restarts: 2, crashLooping: [] },
          ],
          readiness: { ready: false, problems: ['IAM OIDC provider for oidc.eks… is gone'] },
        },
      ],
      {
        roleReuse: {
          newUsers: [{ cluster: 'sandbox-c', namespace: 'orders', serviceAccount: 'checkout', associationId: 'a-9' }],
          findings: [
            {
              severity: 'blocking',
              code: 'shared-role-foreign-allowed',
              message: 'orders/checkout may',
              cluster: 'sandbox-c',
            },
          ],
        },
      },
    );
    const keys = regressionsOf(s, baseline(0), OBSERVATION_DEFAULTS).map((r) => r.key);
    assert.deepEqual(keys, [
      'restarts:sandbox-a/Deployment/reconciler',
      'restarts:sandbox-a/StatefulSet/writer',
      'readiness:sandbox-a',
      'role-reuse:shared-role-foreign-allowed@sandbox-c',
    ]);
  });

  test('an ongoing regression is alerted once', () => {
    const regressions = [
      { key: 'errors:sandbox-a', message: 'a' },
      { key: 'errors:sandbox-b', message: 'b' },
    ];
    assert.deepEqual(
      newRegressions(regressions, ['errors:sandbox-a']).map((r) => r.key),
      ['errors:sandbox-b'],
    );
  });

  test('the digest sums the day’s samples per cluster against the baseline and lists the alerts', () => {
    const s1 = {
      ...sample([
        { cluster: 'sandbox-a', errors: errors(1), workloads: [healthy], readiness: { ready: true, problems: [] } },
      ]),
      regressions: [],
    };
    const s2 = {
      ...sample(
        [
          {
            cluster: 'sandbox-a',
            errors: errors(2, 1),
            workloads: [healthy],
            readiness: { ready: true, problems: [] },
          },
        ],
        {
          at: '2025-01-03T08:00:00.000Z',
          stsProfile: {
            from: '2025-01-03T04:00:00.000Z',
            to: '2025-01-03T08:00:00.000Z',
            webIdentity: 0,
            podIdentity: 8,
            throttled: 0,
            webIdentityPerHour: 0,
            podIdentityPerHour: 2,
          },
        },
      ),
      regressions: [],
    };
    const observation: ObservationState = {
      startedAt: '2025-01-03T00:00:00.000Z',
      endsAt: '2025-01-10T00:00:00.000Z',
      sampleSeconds: 4 * 3600,
      baseline: baseline(0),
      samples: [s1, s2],
      sampleCount: 2,
      alerts: [],
      alertedKeys: [],
      digestsSent: 0,
      roleUsers: [],
    };
    const lines = digestLines(observation, '2025-01-03T00:00:00.000Z', '2025-01-04T00:00:00.000Z');
    assert.match(lines[0]!, /^1d of 7d observed \(ends 2025-01-10T00:00:00.000Z\): 2 sample\(s\)/);
    assert.equal(
      lines[1],
      'sandbox-a: credential errors 3 (0/h before), agent errors 1; pods 2/2 ready, most restarts of a pod 0; rollback note applies',
    );
    assert.match(lines.join('\n'), /STS profile \(latest sample\): 0\/h web identity, 2\/h Pod Identity, 0 throttled/);
    assert.equal(lines.at(-1), 'alerts: none');
  });
});
