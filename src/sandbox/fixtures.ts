/**
 * Builders that put things into a fleet state. The seed and the control surface's
 * fixture hooks share them, so a fixture is built exactly like the seeded fleet.
 */
import { issuerHostPath, oidcProviderArn } from '../domain/trust-policy.js';
import type { PolicyDocument, WorkloadKind } from '../domain/types.js';
import { PortError } from '../ports/errors.js';
import type { ClusterStatus, FargateProfileInfo, NodegroupInfo } from '../domain/eks.js';
import type { DaemonSetInfo, JobInfo, PodController } from '../domain/kubernetes.js';
import { managedPolicyDocument, validatePolicyDocument } from './iam.js';
import { newUid, stableHex, stableIamId } from './ids.js';
import { createPod, desiredPods, eligibleNodes, isFargateNode } from './pods.js';
import { admitPod } from './webhook.js';
import { requireCluster } from './runtime.js';
import type { ClusterState, ContainerSpec, FleetState, PodState, ServiceAccountState, WorkloadState } from './state.js';
import { sameRef, STATE_FORMAT } from './state.js';

export function emptyFleet(accountId: string, region: string): FleetState {
  return {
    format: STATE_FORMAT,
    accountId,
    region,
    trustPolicySizeLimit: 2048,
    clusters: {},
    roles: {},
    managedPolicies: {},
    faults: [],
    calls: {},
  };
}

export interface ClusterSpec {
  name: string;
  status?: ClusterStatus;
  version?: string;
  platformVersion?: string;
  autoMode?: boolean;
  /** Default: a stable issuer derived from the name; `null`: no OIDC issuer. */
  oidcIssuer?: string | null;
  /** false: a private cluster (DescribeCluster's resourcesVpcConfig.endpointPublicAccess). */
  endpointPublicAccess?: boolean;
  /** True: the account has no IAM OIDC provider for the issuer (deleted with an old cluster): IRSA fails. */
  oidcProviderMissing?: boolean;
}

/** Adds or replaces a cluster; replacing keeps its nodes, workloads and associations. */
export function putCluster(state: FleetState, spec: ClusterSpec): ClusterState {
  const previous = state.clusters[spec.name];
  const id = stableHex(`${state.accountId}/${state.region}/${spec.name}`, 32);
  const issuer =
    spec.oidcIssuer === null
      ? undefined
      : (spec.oidcIssuer ?? `https://oidc.eks.${state.region}.amazonaws.com/id/${id}`);
  const cluster: ClusterState = {
    addons: {},
    fargateProfiles: [],
    associations: [],
    nodes: [],
    serviceAccounts: [],
    workloads: [],
    pods: [],
    daemonSets: [],
    ...previous,
    name: spec.name,
    arn: `arn:aws:eks:${state.region}:${state.accountId}:cluster/${spec.name}`,
    status: spec.status ?? 'ACTIVE',
    version: spec.version ?? '1.31',
    platformVersion: spec.platformVersion ?? 'eks.10',
    autoMode: spec.autoMode ?? false,
    endpoint: `https://${id}.gr7.${state.region}.eks.amazonaws.com`,
    certificateAuthority: Buffer.from(`sandbox certificate authority for ${spec.name}`).toString('base64'),
  };
  if (issuer === undefined) delete cluster.oidcIssuer;
  else cluster.oidcIssuer = issuer;
  if (spec.endpointPublicAccess !== undefined) {
    cluster.endpointPublicAccess = spec.endpointPublicAccess;
    cluster.vpcId = `vpc-${id.slice(0, 17)}`;
  }
  if (spec.oidcProviderMissing === true) cluster.oidcProviderMissing = true;
  else if (spec.oidcProviderMissing === false) delete cluster.oidcProviderMissing;
  state.clusters[spec.name] = cluster;
  return cluster;
}

export function putNode(
  state: FleetState,
  clusterName: string,
  node: { name: string; labels?: Record<string, string> },
) {
  const cluster = requireCluster(state, clusterName);
  cluster.nodes = cluster.nodes.filter((n) => n.name !== node.name);
  cluster.nodes.push({
    name: node.name,
    labels: {
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/hostname': node.name,
      ...node.labels,
    },
  });
}

export function putAddon(
  state: FleetState,
  clusterName: string,
  addon: { name: string; status?: string; healthIssues?: string[] },
): void {
  requireCluster(state, clusterName).addons[addon.name] = {
    status: addon.status ?? 'ACTIVE',
    healthIssues: addon.healthIssues ?? [],
  };
}

/** Adds or replaces a managed node group. */
export function putNodegroup(state: FleetState, clusterName: string, nodegroup: NodegroupInfo): void {
  const cluster = requireCluster(state, clusterName);
  cluster.nodegroups = [...(cluster.nodegroups ?? []).filter((n) => n.name !== nodegroup.name), nodegroup];
}

export function putFargateProfile(state: FleetState, clusterName: string, profile: FargateProfileInfo): void {
  const cluster = requireCluster(state, clusterName);
  cluster.fargateProfiles = [...cluster.fargateProfiles.filter((p) => p.name !== profile.name), profile];
}

/** A DaemonSet known by its status only, such as `kube-system/eks-pod-identity-agent`. */
export function putDaemonSetStatus(state: FleetState, clusterName: string, ds: DaemonSetInfo): void {
  const cluster = requireCluster(state, clusterName);
  cluster.daemonSets = [...cluster.daemonSets.filter((d) => d.namespace !== ds.namespace || d.name !== ds.name), ds];
}

export function putServiceAccount(state: FleetState, clusterName: string, sa: ServiceAccountState): void {
  const cluster = requireCluster(state, clusterName);
  cluster.serviceAccounts = cluster.serviceAccounts.filter((s) => s.namespace !== sa.namespace || s.name !== sa.name);
  cluster.serviceAccounts.push({ namespace: sa.namespace, name: sa.name, annotations: { ...sa.annotations } });
}

export interface WorkloadSpec {
  kind?: WorkloadKind;
  namespace: string;
  name: string;
  serviceAccount: string;
  /** Default 2; ignored for DaemonSets. */
  replicas?: number;
  /** Pod template labels; default `app: <name>`. */
  labels?: Record<string, string>;
  /** Default: one container named after the workload. */
  containers?: (Partial<ContainerSpec> & { image: string })[];
  nodeSelector?: Record<string, string>;
  updateStrategy?: string;
  /** StatefulSets: `updateStrategy.rollingUpdate.partition`. */
  partition?: number;
}

function containerSpecs(containers: WorkloadSpec['containers'], name: string): ContainerSpec[] {
  return (containers ?? [{ image: 'public.ecr.aws/docker/library/busybox:1.37' }]).map((c) => ({
    name: c.name ?? name,
    image: c.image,
    env: { ...c.env },
    awsCli: c.awsCli ?? false,
  }));
}

/** Adds or replaces a workload with its pods already running, admitted by the webhook at `now`. */
export function putWorkload(state: FleetState, clusterName: string, spec: WorkloadSpec, now: number): WorkloadState {
  const cluster = requireCluster(state, clusterName);
  const workload: WorkloadState = {
    kind: spec.kind ?? 'Deployment',
    namespace: spec.namespace,
    name: spec.name,
    serviceAccount: spec.serviceAccount,
    replicas: spec.replicas ?? 2,
    labels: spec.labels ?? { app: spec.name },
    containers: containerSpecs(spec.containers, spec.name),
    nodeSelector: spec.nodeSelector ?? {},
    updateStrategy: spec.updateStrategy ?? 'RollingUpdate',
    ...(spec.partition === undefined ? {} : { partition: spec.partition }),
    generation: 1,
    observedGeneration: 1,
    revision: 1,
    currentRevision: 1,
  };
  cluster.workloads = cluster.workloads.filter((w) => !sameRef(w, workload));
  cluster.pods = cluster.pods.filter((p) => !sameRef(p.owner, workload));
  const nodes = eligibleNodes(cluster, workload);
  for (let i = 0; i < desiredPods(cluster, workload); i += 1) {
    const name = workload.kind === 'StatefulSet' ? `${workload.name}-${i}` : undefined;
    const nodeName = workload.kind === 'DaemonSet' ? nodes[i]?.name : undefined;
    createPod(cluster, state.region, workload, {
      at: now,
      readyAfterMs: 0,
      ...(name === undefined ? {} : { name }),
      ...(nodeName === undefined ? {} : { nodeName }),
    });
  }
  cluster.workloads.push(workload);
  return workload;
}

export interface PodSpec {
  namespace: string;
  name: string;
  serviceAccount: string;
  /** The controller at the top of its owner chain (a Job, a CronJob, an Argo Rollout, …); omitted: a bare pod. */
  controller?: PodController;
  labels?: Record<string, string>;
  /** Default: one container named after the pod. */
  containers?: (Partial<ContainerSpec> & { image: string })[];
  /** Default: the first EC2 node by name. */
  nodeName?: string;
  /** A pod whose containers have exited, such as a finished Job's. */
  finishedPhase?: 'Succeeded' | 'Failed';
}

/**
 * Adds or replaces a pod no simulated workload manages, running and ready, admitted by the
 * webhook at `now`. Nothing ever replaces it: the sandbox does not run its controller.
 */
export function putPod(state: FleetState, clusterName: string, spec: PodSpec, now: number): PodState {
  const cluster = requireCluster(state, clusterName);
  const node =
    spec.nodeName ??
    [...cluster.nodes].sort((a, b) => a.name.localeCompare(b.name)).find((n) => !isFargateNode(n))?.name;
  const admission = admitPod(
    cluster,
    state.region,
    spec.namespace,
    spec.serviceAccount,
    containerSpecs(spec.containers, spec.name),
    now,
  );
  const pod: PodState = {
    namespace: spec.namespace,
    name: spec.name,
    uid: newUid(),
    serviceAccount: spec.serviceAccount,
    labels: { ...spec.labels },
    ...(spec.controller ? { controller: { ...spec.controller } } : {}),
    ...(spec.finishedPhase ? { finishedPhase: spec.finishedPhase } : {}),
    revision: 1,
    createdAt: now,
    readyAt: now,
    containers: admission.containers,
    ...(node === undefined ? {} : { nodeName: node }),
    ...(admission.podIdentityRoleArn ? { podIdentityRoleArn: admission.podIdentityRoleArn } : {}),
  };
  cluster.pods = cluster.pods.filter((p) => p.namespace !== spec.namespace || p.name !== spec.name);
  cluster.pods.push(pod);
  return pod;
}

/** Adds or replaces a Job or CronJob as the API lists it; its pods are `putPod`'s. */
export function putJob(state: FleetState, clusterName: string, job: JobInfo): void {
  const cluster = requireCluster(state, clusterName);
  const others = (cluster.jobs ?? []).filter(
    (j) => j.kind !== job.kind || j.namespace !== job.namespace || j.name !== job.name,
  );
  cluster.jobs = [...others, { ...job }];
}

export interface RoleSpec {
  name: string;
  /** Another account than the fleet's: the role is only reachable as a target role. */
  accountId?: string;
  trustPolicy: PolicyDocument;
  inlinePolicies?: Record<string, PolicyDocument>;
  managedPolicyArns?: string[];
  tags?: Record<string, string>;
  permissionsBoundaryArn?: string;
}

export function putRole(state: FleetState, spec: RoleSpec): string {
  validatePolicyDocument(spec.trustPolicy, 'trust');
  for (const document of Object.values(spec.inlinePolicies ?? {})) validatePolicyDocument(document, 'permissions');
  const boundary = spec.permissionsBoundaryArn === undefined ? [] : [spec.permissionsBoundaryArn];
  for (const arn of [...(spec.managedPolicyArns ?? []), ...boundary]) {
    if (managedPolicyDocument(state, arn) === undefined)
      throw new PortError('not-found', `Policy ${arn} does not exist`);
  }
  const arn = `arn:aws:iam::${spec.accountId ?? state.accountId}:role/${spec.name}`;
  const roles =
    spec.accountId === undefined || spec.accountId === state.accountId ? state.roles : (state.otherAccountRoles ??= {});
  roles[spec.accountId === undefined || spec.accountId === state.accountId ? spec.name : arn] = {
    name: spec.name,
    arn,
    roleId: stableIamId('AROA', arn),
    trustPolicy: structuredClone(spec.trustPolicy),
    inlinePolicies: structuredClone(spec.inlinePolicies ?? {}),
    managedPolicyArns: [...(spec.managedPolicyArns ?? [])],
    ...(spec.tags === undefined ? {} : { tags: { ...spec.tags } }),
    ...(spec.permissionsBoundaryArn === undefined ? {} : { permissionsBoundaryArn: spec.permissionsBoundaryArn }),
  };
  return arn;
}

/** Registers an IAM OIDC provider for `issuer` (an https URL); returns its ARN. */
export function putOidcProvider(state: FleetState, issuer: string): string {
  if (!/^https:\/\/[^/\s]+/.test(issuer))
    throw new PortError('validation', `OIDC provider URL must be https: ${issuer}`);
  const known = state.oidcProviders ?? [];
  const hostPath = issuerHostPath(issuer);
  if (!known.some((i) => issuerHostPath(i) === hostPath)) state.oidcProviders = [...known, issuer];
  return oidcProviderArn(state.accountId, issuer);
}

export function putManagedPolicy(state: FleetState, spec: { name: string; document: PolicyDocument }): string {
  validatePolicyDocument(spec.document, 'permissions');
  const arn = `arn:aws:iam::${state.accountId}:policy/${spec.name}`;
  state.managedPolicies[arn] = { name: spec.name, document: structuredClone(spec.document) };
  return arn;
}
