import type { WorkloadKind, WorkloadRef } from '../../domain/types.js';
import { call, describeCall, listAllPages } from './calls.js';
import type { ClusterClients } from './calls.js';
import type { AppsWorkload } from './mappers.js';
import { callOptions } from './requests.js';

const RESOURCE: Record<WorkloadKind, string> = {
  Deployment: 'deployment',
  StatefulSet: 'statefulset',
  DaemonSet: 'daemonset',
};

export const WORKLOAD_KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet'];

export async function readWorkload(c: ClusterClients, ref: WorkloadRef): Promise<AppsWorkload> {
  const context = describeCall(c.cluster, 'read', RESOURCE[ref.kind], ref.namespace, ref.name);
  const params = { namespace: ref.namespace, name: ref.name };
  const options = callOptions(c.requestTimeoutMs);
  switch (ref.kind) {
    case 'Deployment':
      return { kind: ref.kind, object: await call(context, () => c.apps.readNamespacedDeployment(params, options)) };
    case 'StatefulSet':
      return { kind: ref.kind, object: await call(context, () => c.apps.readNamespacedStatefulSet(params, options)) };
    case 'DaemonSet':
      return { kind: ref.kind, object: await call(context, () => c.apps.readNamespacedDaemonSet(params, options)) };
  }
}

export async function listWorkloadsOfKind(
  c: ClusterClients,
  kind: WorkloadKind,
  namespace: string,
): Promise<AppsWorkload[]> {
  const context = describeCall(c.cluster, 'list', `${RESOURCE[kind]}s`, namespace);
  const options = callOptions(c.requestTimeoutMs);
  switch (kind) {
    case 'Deployment': {
      const items = await listAllPages(context, (p) => c.apps.listNamespacedDeployment({ namespace, ...p }, options));
      return items.map((object) => ({ kind, object }));
    }
    case 'StatefulSet': {
      const items = await listAllPages(context, (p) => c.apps.listNamespacedStatefulSet({ namespace, ...p }, options));
      return items.map((object) => ({ kind, object }));
    }
    case 'DaemonSet': {
      const items = await listAllPages(context, (p) => c.apps.listNamespacedDaemonSet({ namespace, ...p }, options));
      return items.map((object) => ({ kind, object }));
    }
  }
}

/** A strategic-merge patch of an apps/v1 workload. */
export async function patchWorkload(c: ClusterClients, ref: WorkloadRef, body: object): Promise<void> {
  const context = describeCall(c.cluster, 'patch', RESOURCE[ref.kind], ref.namespace, ref.name);
  const params = { namespace: ref.namespace, name: ref.name, body };
  const options = callOptions(c.requestTimeoutMs, 'strategic-merge');
  switch (ref.kind) {
    case 'Deployment':
      await call(context, () => c.apps.patchNamespacedDeployment(params, options));
      return;
    case 'StatefulSet':
      await call(context, () => c.apps.patchNamespacedStatefulSet(params, options));
      return;
    case 'DaemonSet':
      await call(context, () => c.apps.patchNamespacedDaemonSet(params, options));
      return;
  }
}
