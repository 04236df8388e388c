/**
 * Data for fleet-wide reads. Preflight's facts split in two: what is the same for every
 * service account of a cluster (read once per cluster) and what belongs to one service
 * account (read for it alone, or cut out of a cluster-wide listing). Plain JSON, like
 * `types.ts`.
 */
import type { ClusterFacts } from './cluster-checks.js';
import type { PodIdentityAssociation } from './eks.js';
import type { JobInfo, PodInfo, ServiceAccountInfo, WorkloadInfo } from './kubernetes.js';
import type { Finding } from './types.js';

/** An IAM OIDC identity provider, as a trust statement's `Federated` principal names it. */
export interface OidcProviderInfo {
  /** `arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC` */
  arn: string;
  /** The provider URL as trust-policy condition keys spell it: no scheme, e.g. `oidc.eks.us-east-1.amazonaws.com/id/ABC`. */
  issuerHostPath: string;
}

/** What preflight knows about a cluster whatever the service account: EKS, the agent, Fargate. */
export type ClusterWideFacts = Pick<
  ClusterFacts,
  'cluster' | 'info' | 'agentAddon' | 'agentDaemonSet' | 'fargateProfiles'
>;

/** What preflight knows about one service account in one cluster. */
export type ServiceAccountFacts = Pick<
  ClusterFacts,
  'serviceAccount' | 'workloads' | 'pods' | 'jobs' | 'existingAssociations'
>;

/** A cluster's identity-related objects, listed cluster-wide or in one namespace. */
export interface ClusterInventory {
  cluster: string;
  /** Set when the listing covers one namespace only. */
  namespace?: string;
  serviceAccounts: ServiceAccountInfo[];
  workloads: WorkloadInfo[];
  pods: PodInfo[];
  /** Jobs and CronJobs; absent from inventories taken before they were listed. */
  jobs?: JobInfo[];
  /** Add-on owned ones included (`ownerArn` set). */
  associations: PodIdentityAssociation[];
}

/**
 * Facts and the reads that failed for good on the way (access denied, not found), each
 * a blocking finding, so one report shows every problem at once.
 */
export interface FactsRead<T> {
  facts: T;
  findings: Finding[];
}
