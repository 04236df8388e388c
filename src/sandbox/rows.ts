/**
 * How the fleet document (`FleetState`) maps to stored rows: a row per cluster, service
 * account, workload, pod, association, Job, role and managed policy, plus the fleet's own
 * settings (other accounts' roles among them), the armed faults, one counter per port call,
 * CloudTrail's probes and settings, and its ledger a row per pod that ran.
 */
import type { JobInfo } from '../domain/kubernetes.js';
import type { CloudTrailState, LedgerPod } from './cloudtrail-traffic.js';
import { LEDGER_HORIZON_MS, ledgerOf } from './cloudtrail-traffic.js';
import type {
  AssociationState,
  ClusterState,
  FleetState,
  PodState,
  ServiceAccountState,
  WorkloadState,
} from './state.js';
import { workloadKey } from './state.js';
import type { RowKind, StoredRow } from './store.js';

/** The parts of a cluster stored a row per object; the rest (nodes, add-ons, Fargate profiles) is the cluster's row. */
export const COLLECTIONS = ['serviceAccounts', 'workloads', 'pods', 'associations', 'jobs'] as const;
export type Collection = (typeof COLLECTIONS)[number];

export interface CollectionItem {
  serviceAccounts: ServiceAccountState;
  workloads: WorkloadState;
  pods: PodState;
  associations: AssociationState;
  jobs: JobInfo;
}

export const COLLECTION_KIND: Record<Collection, RowKind> = {
  serviceAccounts: 'serviceAccount',
  workloads: 'workload',
  pods: 'pod',
  associations: 'association',
  jobs: 'job',
};

/** The cluster row: everything but the collections. */
export type ClusterRecord = Omit<ClusterState, Collection>;

/** The fleet's own settings. */
export type FleetRecord = Pick<
  FleetState,
  'format' | 'accountId' | 'region' | 'trustPolicySizeLimit' | 'oidcProviders' | 'otherAccountRoles'
>;

export const FLEET_KEY = 'fleet';
export const FAULTS_KEY = 'faults';
export const CLOUDTRAIL_KEY = 'cloudTrail';

type Index = Pick<StoredRow, 'key' | 'namespace' | 'subject' | 'link' | 'due'>;

export const serviceAccountKey = (cluster: string, namespace: string, name: string) =>
  `${cluster}/${namespace}/${name}`;
export const workloadRowKey = (cluster: string, ref: { kind: string; namespace: string; name: string }) =>
  `${cluster}/${workloadKey({ kind: ref.kind as WorkloadState['kind'], namespace: ref.namespace, name: ref.name })}`;
export const podKey = (cluster: string, namespace: string, name: string) => `${cluster}/${namespace}/${name}`;
export const associationKey = (cluster: string, id: string) => `${cluster}/${id}`;
export const jobKey = (cluster: string, job: Pick<JobInfo, 'kind' | 'namespace' | 'name'>) =>
  `${cluster}/${job.kind}/${job.namespace}/${job.name}`;

/** The fields a collection's objects are looked up by. */
export function indexOf<C extends Collection>(collection: C, cluster: string, item: CollectionItem[C]): Index {
  switch (collection) {
    case 'serviceAccounts': {
      const sa = item as ServiceAccountState;
      const key = serviceAccountKey(cluster, sa.namespace, sa.name);
      return { key, namespace: sa.namespace, subject: sa.name, link: '', due: null };
    }
    case 'workloads': {
      const w = item as WorkloadState;
      // A workload mid-rollout is due now: every call on its cluster moves the rollout on.
      const due = w.rollout === undefined ? null : 0;
      return { key: workloadRowKey(cluster, w), namespace: w.namespace, subject: w.serviceAccount, link: '', due };
    }
    case 'pods': {
      const p = item as PodState;
      return {
        key: podKey(cluster, p.namespace, p.name),
        namespace: p.namespace,
        subject: p.serviceAccount,
        link: p.owner === undefined ? '' : workloadRowKey(cluster, p.owner),
        due: p.goneAt ?? null,
      };
    }
    case 'associations': {
      const a = item as AssociationState;
      return {
        key: associationKey(cluster, a.associationId),
        namespace: a.namespace,
        subject: a.serviceAccount,
        link: a.clientRequestToken,
        due: a.forgetAt ?? a.hiddenFrom ?? null,
      };
    }
    default: {
      const j = item as JobInfo;
      return { key: jobKey(cluster, j), namespace: j.namespace, subject: j.serviceAccount, link: '', due: null };
    }
  }
}

export function collectionRow<C extends Collection>(
  collection: C,
  cluster: string,
  item: CollectionItem[C],
  doc = JSON.stringify(item),
): StoredRow {
  return { kind: COLLECTION_KIND[collection], cluster, ...indexOf(collection, cluster, item), doc };
}

export function plainRow(kind: RowKind, key: string, value: unknown, doc = JSON.stringify(value)): StoredRow {
  return { kind, key, cluster: '', namespace: '', subject: '', link: '', due: null, doc };
}

export function clusterRecord(cluster: ClusterState): ClusterRecord {
  const { serviceAccounts, workloads, pods, associations, jobs, ...record } = cluster;
  void [serviceAccounts, workloads, pods, associations, jobs];
  return record;
}

export function fleetRecord(state: FleetState): FleetRecord {
  return {
    format: state.format,
    accountId: state.accountId,
    region: state.region,
    trustPolicySizeLimit: state.trustPolicySizeLimit,
    ...(state.oidcProviders === undefined ? {} : { oidcProviders: state.oidcProviders }),
    ...(state.otherAccountRoles === undefined ? {} : { otherAccountRoles: state.otherAccountRoles }),
  };
}

/** CloudTrail's row: probes and settings (the ledger is a row per entry, and is not read for this). */
export function cloudTrailRecord(cloudTrail: CloudTrailState): Omit<CloudTrailState, 'ledger'> {
  const { probes, traffic, extraDelayMs } = cloudTrail;
  return { probes, traffic, extraDelayMs };
}

export const ledgerKey = (cluster: string, uid: string) => `${cluster}/${uid}`;

/** When a ledger entry is forgotten: CloudTrail's horizon after its pod stopped; never while it runs. */
export const ledgerDue = (end: number | undefined): number | null =>
  end === undefined ? null : end + LEDGER_HORIZON_MS;

/** A pod's ledger entry, looked up by its cluster and uid; the pod's namespace and service account as index. */
export function ledgerRow(entry: LedgerPod, doc = JSON.stringify(entry)): StoredRow {
  return {
    kind: 'ledger',
    key: ledgerKey(entry.cluster, entry.uid),
    cluster: entry.cluster,
    namespace: entry.namespace,
    subject: entry.serviceAccount,
    link: '',
    due: ledgerDue(entry.end),
    doc,
  };
}

/**
 * The whole document as rows, in its own order (which the store keeps as insertion order).
 * Its pods are noted in CloudTrail's ledger at `now`, as every pod a call creates is.
 */
export function rowsOf(state: FleetState, now: number): StoredRow[] {
  const rows: StoredRow[] = [
    plainRow('fleet', FLEET_KEY, fleetRecord(state)),
    plainRow('faults', FAULTS_KEY, state.faults),
  ];
  for (const [key, count] of Object.entries(state.calls)) rows.push(plainRow('call', key, count));
  for (const cluster of Object.values(state.clusters)) {
    rows.push(plainRow('cluster', cluster.name, clusterRecord(cluster)));
    for (const collection of COLLECTIONS) {
      for (const item of (cluster[collection] ?? []) as CollectionItem[typeof collection][]) {
        rows.push(collectionRow(collection, cluster.name, item));
      }
    }
  }
  for (const role of Object.values(state.roles)) rows.push(plainRow('role', role.name, role));
  for (const [arn, policy] of Object.entries(state.managedPolicies)) rows.push(plainRow('managedPolicy', arn, policy));
  if (state.cloudTrail !== undefined) {
    rows.push(plainRow('cloudTrail', CLOUDTRAIL_KEY, cloudTrailRecord(state.cloudTrail)));
  }
  for (const entry of ledgerOf(state, now)) rows.push(ledgerRow(entry));
  return rows;
}
