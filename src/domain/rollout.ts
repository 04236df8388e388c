import type { WorkloadStatus } from './kubernetes.js';

export type RolloutState = 'done' | 'progressing' | 'failed';

export interface RolloutResult {
  state: RolloutState;
  message: string;
}

/**
 * `kubectl rollout status`, rule for rule (kubectl/pkg/polymorphichelpers/rollout_status.go),
 * with kubectl's messages minus the trailing newline. Where kubectl returns an error, the
 * state is `failed`: waiting longer will not help.
 */
export function rolloutStatus(s: WorkloadStatus): RolloutResult {
  switch (s.ref.kind) {
    case 'Deployment':
      return deploymentStatus(s);
    case 'DaemonSet':
      return daemonSetStatus(s);
    case 'StatefulSet':
      return statefulSetStatus(s);
  }
}

const progressing = (message: string): RolloutResult => ({ state: 'progressing', message });
const done = (message: string): RolloutResult => ({ state: 'done', message });
const failed = (message: string): RolloutResult => ({ state: 'failed', message });

function deploymentStatus(s: WorkloadStatus): RolloutResult {
  const name = JSON.stringify(s.ref.name);
  if (s.generation > s.observedGeneration) return progressing('Waiting for deployment spec update to be observed...');
  const condition = s.conditions.find((c) => c.type === 'Progressing');
  if (condition?.reason === 'ProgressDeadlineExceeded') {
    return failed(`deployment ${name} exceeded its progress deadline`);
  }
  if (s.updatedReplicas < s.desiredReplicas) {
    return progressing(
      `Waiting for deployment ${name} rollout to finish: ${s.updatedReplicas} out of ${s.desiredReplicas} new replicas have been updated...`,
    );
  }
  if (s.currentReplicas > s.updatedReplicas) {
    return progressing(
      `Waiting for deployment ${name} rollout to finish: ${s.currentReplicas - s.updatedReplicas} old replicas are pending termination...`,
    );
  }
  if (s.availableReplicas < s.updatedReplicas) {
    return progressing(
      `Waiting for deployment ${name} rollout to finish: ${s.availableReplicas} of ${s.updatedReplicas} updated replicas are available...`,
    );
  }
  return done(`deployment ${name} successfully rolled out`);
}

function daemonSetStatus(s: WorkloadStatus): RolloutResult {
  const name = JSON.stringify(s.ref.name);
  if (s.updateStrategy !== 'RollingUpdate') {
    return failed('rollout status is only available for RollingUpdate strategy type');
  }
  if (s.generation > s.observedGeneration) return progressing('Waiting for daemon set spec update to be observed...');
  if (s.updatedReplicas < s.desiredReplicas) {
    return progressing(
      `Waiting for daemon set ${name} rollout to finish: ${s.updatedReplicas} out of ${s.desiredReplicas} new pods have been updated...`,
    );
  }
  if (s.availableReplicas < s.desiredReplicas) {
    return progressing(
      `Waiting for daemon set ${name} rollout to finish: ${s.availableReplicas} of ${s.desiredReplicas} updated pods are available...`,
    );
  }
  return done(`daemon set ${name} successfully rolled out`);
}

function statefulSetStatus(s: WorkloadStatus): RolloutResult {
  if (s.updateStrategy !== 'RollingUpdate') {
    return failed('rollout status is only available for RollingUpdate strategy type');
  }
  if (s.observedGeneration === 0 || s.generation > s.observedGeneration) {
    return progressing('Waiting for statefulset spec update to be observed...');
  }
  if (s.readyReplicas < s.desiredReplicas) {
    return progressing(`Waiting for ${s.desiredReplicas - s.readyReplicas} pods to be ready...`);
  }
  const partition = s.partition ?? 0;
  if (partition > 0) {
    const target = s.desiredReplicas - partition;
    if (s.updatedReplicas < target) {
      return progressing(
        `Waiting for partitioned roll out to finish: ${s.updatedReplicas} out of ${target} new pods have been updated...`,
      );
    }
    return done(`partitioned roll out complete: ${s.updatedReplicas} new pods have been updated...`);
  }
  if (s.updateRevision !== s.currentRevision) {
    return progressing(
      `waiting for statefulset rolling update to complete ${s.updatedReplicas} pods at revision ${s.updateRevision ?? ''}...`,
    );
  }
  return done(
    `statefulset rolling update complete ${s.currentReplicas} pods at revision ${s.currentRevision ?? ''}...`,
  );
}
