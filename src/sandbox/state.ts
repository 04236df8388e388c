/**
 * The sandbox fleet's whole state, as one document: what seeds build, `reset` takes and
 * `state()` returns. The store keeps it a row per object (rows.ts), so everything here is
 * plain data: times are epoch milliseconds, `null` means "never".
 */
import type { PolicyDocument, WorkloadKind, WorkloadRef } from '../domain/types.js';
import type { ClusterInfo, FargateProfileInfo, NodegroupInfo } from '../domain/eks.js';
import type { DaemonSetInfo, JobInfo, PodController } from '../domain/kubernetes.js';
import type { CloudTrailState } from './cloudtrail-traffic.js';
import type { Fault } from './faults.js';

/**
 * 1: one JSON file; 2: SQLite, a row per object; 3: CloudTrail's ledger a row per pod,
 * noted as pods change (a file of 2 has a row per cluster, and pods it never noted).
 */
export const STATE_FORMAT = 3;

export interface FleetState {
  format: typeof STATE_FORMAT;
  accountId: string;
  region: string;
  /** IAM's trust-policy size quota, in minified characters (2,048 unless raised). */
  trustPolicySizeLimit: number;
  clusters: Record<string, ClusterState>;
  roles: Record<string, RoleState>;
  /**
   * Roles of other accounts by ARN: an association's target role may be one. The sandbox's
   * IAM is the fleet account's and never sees them; only STS, chaining to them, does.
   * Absent in states saved before it existed: none.
   */
  otherAccountRoles?: Record<string, RoleState>;
  /** Customer managed policies by ARN (their default version). */
  managedPolicies: Record<string, { name: string; document: PolicyDocument }>;
  /**
   * IAM OIDC providers (issuer URLs) beyond the clusters' own: every cluster's issuer counts
   * as registered, as the sandbox's STS assumes. Absent in states saved before it existed.
   */
  oidcProviders?: string[];
  /** Armed faults; `count` is what is left (-1: forever). */
  faults: Fault[];
  /** Port calls per `<cluster>:<operation>` (`*` for IAM). */
  calls: Record<string, number>;
  /** What CloudTrail would have recorded (cloudtrail-traffic.ts). Absent in states saved before it existed. */
  cloudTrail?: CloudTrailState;
}

/** What DescribeCluster answers (endpoint and CA always set here), plus what the cluster holds. */
export interface ClusterState extends Omit<ClusterInfo, 'endpoint' | 'certificateAuthority'> {
  endpoint: string;
  certificateAuthority: string;
  /** The account's IAM OIDC provider for its issuer was deleted (or never made): IRSA fails here. */
  oidcProviderMissing?: boolean;
  addons: Record<string, { status: string; healthIssues: string[] }>;
  fargateProfiles: FargateProfileInfo[];
  /** Managed node groups (absent in states saved before they existed: none). */
  nodegroups?: NodegroupInfo[];
  /** Live associations and, until they stop being visible to the webhook, deleted ones. */
  associations: AssociationState[];
  nodes: NodeState[];
  serviceAccounts: ServiceAccountState[];
  workloads: WorkloadState[];
  pods: PodState[];
  /** DaemonSets the sandbox does not roll (the Pod Identity Agent): status only. */
  daemonSets: DaemonSetInfo[];
  /** Jobs and CronJobs, known by what the API lists; their pods are plain pods. Absent in older states. */
  jobs?: JobInfo[];
}

export interface AssociationState {
  associationId: string;
  associationArn: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  /** Absent in states saved before these existed: none, and session tags on. */
  targetRoleArn?: string;
  disableSessionTags?: boolean;
  externalId?: string;
  /** A session policy (JSON), as given. */
  policy?: string;
  clientRequestToken: string;
  tags: Record<string, string>;
  ownerArn?: string;
  createdAt: number;
  /** The webhook sees the association from this time on (eventual consistency). */
  visibleFrom: number;
  /** Set by delete: Describe and Delete stop finding it at once; List lags (see eks.ts). */
  deletedAt?: number;
  /** The webhook keeps seeing a deleted association until this time. */
  hiddenFrom?: number;
  /**
   * A deleted association is dropped from the state at this time: once neither the webhook
   * nor List sees it, and the credentials it vended have expired (the invariant checks them).
   */
  forgetAt?: number;
}

export interface NodeState {
  name: string;
  labels: Record<string, string>;
}

export interface ServiceAccountState {
  namespace: string;
  name: string;
  annotations: Record<string, string>;
}

export interface ContainerSpec {
  name: string;
  image: string;
  /** The container's own literal env; the webhook never overwrites these. */
  env: Record<string, string>;
  /** The image ships the AWS CLI, so `aws sts get-caller-identity` can run in it. */
  awsCli: boolean;
}

export interface RolloutState {
  revision: number;
  startedAt: number;
  podStartMs: number;
  /** Replacement pods created so far. */
  created: number;
  /** A `stuck` fault: the first replacement pod never becomes ready. */
  stuck: boolean;
}

export interface WorkloadState {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  serviceAccount: string;
  /** Ignored for DaemonSets: one pod per eligible node. */
  replicas: number;
  labels: Record<string, string>;
  containers: ContainerSpec[];
  nodeSelector: Record<string, string>;
  /** `RollingUpdate` or `OnDelete` (StatefulSet/DaemonSet); OnDelete never replaces pods itself. */
  updateStrategy: string;
  /** StatefulSet `rollingUpdate.partition`: a rollout replaces only the ordinals at or above it. */
  partition?: number;
  restartedAt?: string;
  generation: number;
  observedGeneration: number;
  /** Pod template revision (the update revision). */
  revision: number;
  /** The revision every pod had when the last rollout finished (StatefulSet currentRevision). */
  currentRevision: number;
  rollout?: RolloutState;
}

export interface PodState {
  namespace: string;
  name: string;
  uid: string;
  serviceAccount: string;
  nodeName?: string;
  labels: Record<string, string>;
  /** The simulated workload that manages the pod. */
  owner?: WorkloadRef;
  /**
   * Pods of controllers the sandbox does not simulate (Jobs, CronJobs, Argo Rollouts, …):
   * the top of their owner chain, as the adapter resolves it. Neither this nor `owner`: a
   * bare pod.
   */
  controller?: PodController;
  /** `Succeeded` or `Failed` once its containers have exited (a finished Job's pod). */
  finishedPhase?: 'Succeeded' | 'Failed';
  revision: number;
  createdAt: number;
  /** `null`: never becomes ready. */
  readyAt: number | null;
  terminatingAt?: number;
  /** Removed from the API at this time (end of the grace period). */
  goneAt?: number;
  /** Containers as admitted: env already holds what the webhook injected. */
  containers: ContainerSpec[];
  /** The association role the webhook saw at admission (the agent's credential cache). */
  podIdentityRoleArn?: string;
  /** Pod annotations, where a fixture or a caller set some (verification pods). */
  annotations?: Record<string, string>;
  /** Set on a pod created through `createPod` (a verification pod): what it runs and how that went. */
  probe?: ProbeRun;
}

/** A one-shot pod's run, settled lazily from the clock like rollouts (`src/sandbox/verification-pods.ts`). */
export interface ProbeRun {
  image: string;
  command: string[];
  activeDeadlineSeconds: number;
  /** When the kubelet would start its container (bound at creation plus the pod start time). */
  startsAt: number;
  /** The image exists in a registry the nodes can pull from. */
  pullable: boolean;
  /** The image ships the AWS CLI. */
  awsCli: boolean;
  /** A `probe-pod stuck` fault: the container never starts (an image pull that never ends). */
  stuck: boolean;
  /** Why the scheduler left it unbound (the pod then stays Pending: no kubelet, no deadline). */
  unschedulable?: string;
  /** Once run: exit code and log. */
  result?: { exitCode: number; log: string; startError?: string };
}

export interface RoleState {
  name: string;
  arn: string;
  roleId: string;
  trustPolicy: PolicyDocument;
  inlinePolicies: Record<string, PolicyDocument>;
  managedPolicyArns: string[];
  /** Absent in states saved before roles had tags: none. */
  tags?: Record<string, string>;
  /** A managed policy ARN (the account's or AWS's). */
  permissionsBoundaryArn?: string;
  /**
   * The trust policy STS still evaluates until `until` (epoch ms) after an update: IAM is
   * eventually consistent, "a change might not be immediately visible" to the services that
   * use it (IAM User Guide, "Troubleshooting IAM": "Changes that I make are not always
   * immediately visible"), while GetRole reads the new document back at once.
   */
  stsTrustPolicy?: { document: PolicyDocument; until: number };
}

/** The trust policy STS evaluates for `role` at `now` (see RoleState.stsTrustPolicy). */
export function trustPolicySeenBySts(role: RoleState, now: number): PolicyDocument {
  const pending = role.stsTrustPolicy;
  return pending !== undefined && now < pending.until ? pending.document : role.trustPolicy;
}

export function workloadKey(ref: WorkloadRef): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}`;
}

export function sameRef(a: WorkloadRef | undefined, b: WorkloadRef): boolean {
  return a !== undefined && a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
}
