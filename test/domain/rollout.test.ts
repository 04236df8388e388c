import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rolloutStatus } from '../../src/domain/rollout.js';
import type { RolloutState } from '../../src/domain/rollout.js';
import type { WorkloadStatus } from '../../src/domain/kubernetes.js';
import type { WorkloadKind } from '../../src/domain/types.js';

function status(kind: WorkloadKind, overrides: Partial<WorkloadStatus> = {}): WorkloadStatus {
  return {
    ref: { kind, namespace: 'payments', name: 'api' },
    generation: 2,
    observedGeneration: 2,
    desiredReplicas: 3,
    currentReplicas: 3,
    updatedReplicas: 3,
    availableReplicas: 3,
    readyReplicas: 3,
    updateStrategy: 'RollingUpdate',
    conditions: [],
    ...overrides,
  };
}

type Case = [string, Partial<WorkloadStatus>, RolloutState, string];

function run(kind: WorkloadKind, cases: Case[]): void {
  for (const [name, overrides, state, message] of cases) {
    test(name, () => assert.deepEqual(rolloutStatus(status(kind, overrides)), { state, message }));
  }
}

const deadline = [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }];

describe('rolloutStatus: Deployment', () => {
  run('Deployment', [
    ['complete', {}, 'done', 'deployment "api" successfully rolled out'],
    ['complete with surplus available', { availableReplicas: 4 }, 'done', 'deployment "api" successfully rolled out'],
    ['spec not yet observed', { generation: 3 }, 'progressing', 'Waiting for deployment spec update to be observed...'],
    [
      'deadline exceeded is failed',
      { conditions: deadline },
      'failed',
      'deployment "api" exceeded its progress deadline',
    ],
    [
      'deadline is not read before the spec is observed',
      { generation: 3, conditions: deadline },
      'progressing',
      'Waiting for deployment spec update to be observed...',
    ],
    [
      'deadline reason on another condition type is ignored',
      { conditions: [{ type: 'Available', status: 'False', reason: 'ProgressDeadlineExceeded' }] },
      'done',
      'deployment "api" successfully rolled out',
    ],
    [
      'Progressing for another reason is fine',
      { conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }] },
      'done',
      'deployment "api" successfully rolled out',
    ],
    [
      'new replicas not all updated',
      { updatedReplicas: 1, currentReplicas: 4, availableReplicas: 3 },
      'progressing',
      'Waiting for deployment "api" rollout to finish: 1 out of 3 new replicas have been updated...',
    ],
    [
      'old replicas pending termination',
      { currentReplicas: 5 },
      'progressing',
      'Waiting for deployment "api" rollout to finish: 2 old replicas are pending termination...',
    ],
    [
      'updated replicas not yet available',
      { availableReplicas: 1 },
      'progressing',
      'Waiting for deployment "api" rollout to finish: 1 of 3 updated replicas are available...',
    ],
    [
      'scaled to zero',
      { desiredReplicas: 0, currentReplicas: 0, updatedReplicas: 0, availableReplicas: 0 },
      'done',
      'deployment "api" successfully rolled out',
    ],
    [
      'observedGeneration ahead still counts as observed',
      { generation: 1, observedGeneration: 2 },
      'done',
      'deployment "api" successfully rolled out',
    ],
  ]);
});

describe('rolloutStatus: DaemonSet', () => {
  run('DaemonSet', [
    ['complete', {}, 'done', 'daemon set "api" successfully rolled out'],
    [
      'OnDelete cannot be watched',
      { updateStrategy: 'OnDelete' },
      'failed',
      'rollout status is only available for RollingUpdate strategy type',
    ],
    [
      'strategy is checked before generation',
      { updateStrategy: 'OnDelete', generation: 5 },
      'failed',
      'rollout status is only available for RollingUpdate strategy type',
    ],
    ['spec not yet observed', { generation: 3 }, 'progressing', 'Waiting for daemon set spec update to be observed...'],
    [
      'pods not all updated',
      { updatedReplicas: 2 },
      'progressing',
      'Waiting for daemon set "api" rollout to finish: 2 out of 3 new pods have been updated...',
    ],
    [
      'pods not all available',
      { availableReplicas: 2 },
      'progressing',
      'Waiting for daemon set "api" rollout to finish: 2 of 3 updated pods are available...',
    ],
    [
      'old pods beyond desired do not matter',
      { currentReplicas: 5 },
      'done',
      'daemon set "api" successfully rolled out',
    ],
  ]);
});

describe('rolloutStatus: StatefulSet', () => {
  const revisions = { currentRevision: 'api-1', updateRevision: 'api-1' };
  run('StatefulSet', [
    ['complete', revisions, 'done', 'statefulset rolling update complete 3 pods at revision api-1...'],
    [
      'OnDelete cannot be watched',
      { ...revisions, updateStrategy: 'OnDelete' },
      'failed',
      'rollout status is only available for RollingUpdate strategy type',
    ],
    [
      'observedGeneration 0 is not observed',
      { ...revisions, generation: 0, observedGeneration: 0 },
      'progressing',
      'Waiting for statefulset spec update to be observed...',
    ],
    [
      'spec not yet observed',
      { ...revisions, generation: 3 },
      'progressing',
      'Waiting for statefulset spec update to be observed...',
    ],
    ['pods not ready', { ...revisions, readyReplicas: 1 }, 'progressing', 'Waiting for 2 pods to be ready...'],
    [
      'revision still rolling',
      { currentRevision: 'api-1', updateRevision: 'api-2', updatedReplicas: 1 },
      'progressing',
      'waiting for statefulset rolling update to complete 1 pods at revision api-2...',
    ],
    [
      'partition 0 falls through to the revision check',
      { currentRevision: 'api-1', updateRevision: 'api-2', updatedReplicas: 3, partition: 0 },
      'progressing',
      'waiting for statefulset rolling update to complete 3 pods at revision api-2...',
    ],
    [
      'partitioned roll out waiting',
      { currentRevision: 'api-1', updateRevision: 'api-2', updatedReplicas: 1, partition: 1 },
      'progressing',
      'Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...',
    ],
    [
      'partitioned roll out complete despite differing revisions',
      { currentRevision: 'api-1', updateRevision: 'api-2', updatedReplicas: 2, partition: 1 },
      'done',
      'partitioned roll out complete: 2 new pods have been updated...',
    ],
  ]);
});
