import type { PolicyDocument } from '../domain/types.js';
import type { FargateProfileInfo } from '../domain/eks.js';
import type { DaemonSetInfo, JobInfo } from '../domain/kubernetes.js';
import type { EssentialSnapshot } from './essentials.js';
import { essentialSnapshot } from './essentials.js';
import type { Fault } from './faults.js';
import { armFault } from './faults.js';
import type { ClusterSpec, PodSpec, RoleSpec, WorkloadSpec } from './fixtures.js';
import * as fixtures from './fixtures.js';
import type { SandboxRuntime } from './runtime.js';
import type { FleetState, ServiceAccountState } from './state.js';

/** Drives the sandbox from outside the ports: the CLI's `sandbox` commands, tests, contract drivers. */
export interface SandboxControl {
  /** The full JSON state, as persisted. */
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
  const mutate = (op: (state: FleetState, now: number) => unknown) => runtime.control(op).then(() => undefined);
  return {
    state: () => runtime.control((s) => s),
    reset: (seed) => runtime.replace(seed ?? defaultSeed()),
    setFault: (fault) => mutate((s) => armFault(s, fault)),
    clearFaults: () =>
      mutate((s) => {
        s.faults = [];
      }),
    faults: () => runtime.control((s) => s.faults),
    calls: () => runtime.control((s) => s.calls),
    essentials: () => runtime.control((s) => essentialSnapshot(s)),
    putCluster: (spec) => mutate((s) => fixtures.putCluster(s, spec)),
    putNode: (cluster, node) => mutate((s) => fixtures.putNode(s, cluster, node)),
    putAddon: (cluster, addon) => mutate((s) => fixtures.putAddon(s, cluster, addon)),
    putFargateProfile: (cluster, profile) => mutate((s) => fixtures.putFargateProfile(s, cluster, profile)),
    putDaemonSetStatus: (cluster, ds) => mutate((s) => fixtures.putDaemonSetStatus(s, cluster, ds)),
    putServiceAccount: (cluster, sa) => mutate((s) => fixtures.putServiceAccount(s, cluster, sa)),
    putWorkload: (cluster, spec) => mutate((s, now) => fixtures.putWorkload(s, cluster, spec, now)),
    putPod: (cluster, spec) => mutate((s, now) => fixtures.putPod(s, cluster, spec, now)),
    putJob: (cluster, job) => mutate((s) => fixtures.putJob(s, cluster, job)),
    putRole: (spec) => runtime.control((s) => fixtures.putRole(s, spec)),
    putManagedPolicy: (spec) => runtime.control((s) => fixtures.putManagedPolicy(s, spec)),
    setTrustPolicySizeLimit: (limit) =>
      mutate((s) => {
        s.trustPolicySizeLimit = limit;
      }),
    putOidcProvider: (issuer) => runtime.control((s) => fixtures.putOidcProvider(s, issuer)),
  };
}
