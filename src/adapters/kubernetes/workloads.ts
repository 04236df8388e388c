import type { WorkloadKind, WorkloadRef } from '../../domain/types.js';
import { call, describeCall, listAllPages } from './calls.js';
import type { ClusterClients, ListPage } from './calls.js';
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

/** Every workload of `kind` in `namespace`, or in all namespaces when it is undefined. */
export async function listWorkloadsOfKind(
  c: ClusterClients,
  kind: WorkloadKind,
  namespace: string | undefined,
): Promise<AppsWorkload[]> {
  const context = describeCall(c.cluster, 'list', `${RESOURCE[kind]}s`, namespace);
  const options = callOptions(c.requestTimeoutMs);
  const list = <T>(page: ListPage<T>) => listAllPages(context, page, c.listPageSize);
  switch (kind) {
    case 'Deployment': {
      const items = await list((p) =>
        namespace === undefined
          ? c.apps.listDeploymentForAllNamespaces(p, options)
          : c.apps.listNamespacedDeployment({ namespace, ...p }, options),
      );
      return items.map((object) => ({ kind, object }));
    }
    case 'StatefulSet': {
      const items = await list((p) =>
        namespace === undefined
          ? c.apps.listStatefulSetForAllNamespaces(p, options)
          : c.apps.listNamespacedStatefulSet({ namespace, ...p }, options),
      );
      return items.map((object) => ({ kind, object }));
    }
    case 'DaemonSet': {
      const items = await list((p) =>
        namespace === undefined
          ? c.apps.listDaemonSetForAllNamespaces(p, options)
          : c.apps.listNamespacedDaemonSet({ namespace, ...p }, options),
      );
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
