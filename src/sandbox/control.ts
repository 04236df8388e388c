import type { PolicyDocument } from '../domain/types.js';
import type { FargateProfileInfo, NodegroupInfo } from '../domain/eks.js';
import type { DaemonSetInfo, JobInfo } from '../domain/kubernetes.js';
import type { EssentialSnapshot } from './essentials.js';
import { essentialSnapshot } from './essentials.js';
import type { Fault } from './faults.js';
import { armFault } from './faults.js';
import type { ClusterSpec, PodSpec, RoleSpec, WorkloadSpec } from './fixtures.js';
import * as fixtures from './fixtures.js';
import { jobKey, podKey, workloadRowKey } from './rows.js';
import type { SandboxRuntime } from './runtime.js';
import { requireCluster } from './runtime.js';
import type { FleetState, ServiceAccountState } from './state.js';
import type { FleetView } from './view.js';

/** Drives the sandbox from outside the ports: the CLI's `sandbox` commands, tests, contract drivers. */
export interface SandboxControl {
  /** The whole fleet as one document (what `reset` takes back). */
  state(): Promise<FleetState>;
  /** Back to `seed`, or to the fleet's own seed: faults and call counts included. */
  reset(seed?: FleetState): Promise<void>;
  setFault(fault: Fault): Promise<void>;
  clearFaults(): Promise<void>;
  faults(): Promise<Fault[]>;
  /** Port calls per `<cluster>:<operation>`, e.g. `sandbox-a:createPodIdentityAssociation`; IAM under `*`. */
  calls(): Promise<Record<string, number>>;
  essentials(): Promise<EssentialSnapshot>;
  putCluster(spec: ClusterSpec): Promise<void>;
  putNode(cluster: string, node: { name: string; labels?: Record<string, string> }): Promise<void>;
  putAddon(cluster: string, addon: { name: string; status?: string; healthIssues?: string[] }): Promise<void>;
  putFargateProfile(cluster: string, profile: FargateProfileInfo): Promise<void>;
  putNodegroup(cluster: string, nodegroup: NodegroupInfo): Promise<void>;
  putDaemonSetStatus(cluster: string, daemonSet: DaemonSetInfo): Promise<void>;
  putServiceAccount(cluster: string, serviceAccount: ServiceAccountState): Promise<void>;
  /** Its pods start out running and ready, admitted by the webhook now. */
  putWorkload(cluster: string, spec: WorkloadSpec): Promise<void>;
  /** A pod no simulated workload manages (bare, or a Job's, a Rollout's, …), running and admitted now. */
  putPod(cluster: string, spec: PodSpec): Promise<void>;
  /** A Job or CronJob, as `listJobs` reports it. */
  putJob(cluster: string, job: JobInfo): Promise<void>;
  /** Returns the role ARN. */
  putRole(spec: RoleSpec): Promise<string>;
  /** Returns the policy ARN; attach it with `putRole({ managedPolicyArns })`. */
  putManagedPolicy(spec: { name: string; document: PolicyDocument }): Promise<string>;
  /** Raises or lowers IAM's trust-policy size quota. */
  setTrustPolicySizeLimit(limit: number): Promise<void>;
  /** Registers an IAM OIDC provider for an issuer URL (clusters' own issuers count already); returns its ARN. */
  putOidcProvider(issuer: string): Promise<string>;
}

export function createSandboxControl(runtime: SandboxRuntime, defaultSeed: () => FleetState): SandboxControl {
  /** A fixture on one cluster, brought up to date first; `load` reads the rows it replaces. */
  const onCluster = (
    cluster: string,
    load: (view: FleetView) => void,
    op: (state: FleetState, now: number) => unknown,
  ) =>
    runtime
      .control(
        (v, now) => {
          requireCluster(v, cluster);
          load(v);
          op(v.state, now);
        },
        { advance: [cluster] },
      )
      .then(() => undefined);
  const mutate = (op: (state: FleetState) => unknown) => runtime.control((v) => op(v.state)).then(() => undefined);
  const nothing = () => undefined;
  return {
    state: () => runtime.control((v) => v.snapshot(), { advance: 'all', read: true }),
    reset: (seed) => runtime.replace(seed ?? defaultSeed()),
    setFault: (fault) => mutate((s) => armFault(s, fault)),
    clearFaults: () =>
      mutate((s) => {
        s.faults = [];
      }),
    faults: () => runtime.control((v) => v.state.faults, { read: true }),
    calls: () => runtime.control((v) => v.calls(), { read: true }),
    essentials: () => runtime.control((v) => essentialSnapshot(v.everything()), { advance: 'all', read: true }),
    putCluster: (spec) =>
      runtime
        .control(
          (v) => {
            v.cluster(spec.name);
            fixtures.putCluster(v.state, spec);
          },
          { advance: [spec.name] },
        )
        .then(() => undefined),
    putNode: (cluster, node) => onCluster(cluster, nothing, (s) => fixtures.putNode(s, cluster, node)),
    putAddon: (cluster, addon) => onCluster(cluster, nothing, (s) => fixtures.putAddon(s, cluster, addon)),
    putFargateProfile: (cluster, profile) =>
      onCluster(cluster, nothing, (s) => fixtures.putFargateProfile(s, cluster, profile)),
    putNodegroup: (cluster, nodegroup) =>
      onCluster(cluster, nothing, (s) => fixtures.putNodegroup(s, cluster, nodegroup)),
    putDaemonSetStatus: (cluster, ds) =>
      onCluster(cluster, nothing, (s) => fixtures.putDaemonSetStatus(s, cluster, ds)),
    putServiceAccount: (cluster, sa) =>
      onCluster(
        cluster,
        (v) => v.load(cluster, 'serviceAccounts', { namespace: sa.namespace, subject: sa.name }),
        (s) => fixtures.putServiceAccount(s, cluster, sa),
      ),
    putWorkload: (cluster, spec) => {
      const ref = { kind: spec.kind ?? 'Deployment', namespace: spec.namespace, name: spec.name };
      const load = (v: FleetView) => {
        v.loadWorkload(cluster, ref);
        v.loadSubject(cluster, spec.namespace, spec.serviceAccount);
        v.load(cluster, 'pods', { link: workloadRowKey(cluster, ref) });
      };
      return onCluster(cluster, load, (s, now) => fixtures.putWorkload(s, cluster, spec, now));
    },
    putPod: (cluster, spec) => {
      const load = (v: FleetView) => {
        v.loadSubject(cluster, spec.namespace, spec.serviceAccount);
        v.load(cluster, 'pods', { key: podKey(cluster, spec.namespace, spec.name) });
      };
      return onCluster(cluster, load, (s, now) => fixtures.putPod(s, cluster, spec, now));
    },
    putJob: (cluster, job) =>
      onCluster(
        cluster,
        (v) => v.load(cluster, 'jobs', { key: jobKey(cluster, job) }),
        (s) => fixtures.putJob(s, cluster, job),
      ),
    putRole: (spec) =>
      runtime.control((v) => {
        for (const arn of spec.managedPolicyArns ?? []) v.managedPolicy(arn);
        v.role(spec.name);
        return fixtures.putRole(v.state, spec);
      }),
    putManagedPolicy: (spec) => runtime.control((v) => fixtures.putManagedPolicy(v.state, spec)),
    setTrustPolicySizeLimit: (limit) =>
      mutate((s) => {
        s.trustPolicySizeLimit = limit;
      }),
    putOidcProvider: (issuer) => runtime.control((v) => fixtures.putOidcProvider(v.state, issuer)),
  };
}
