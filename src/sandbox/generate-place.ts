/**
 * Puts one service account and what runs as it into a generated fleet. The fixtures'
 * builders scan the whole cluster on every call, which is fine for a seed of ten objects
 * and quadratic for thousands, so each service account is built in a scratch cluster (the
 * real one's nodes and Fargate profiles, none of its objects) and then appended.
 */
import { IRSA_ANNOTATION } from '../domain/constants.js';
import type { PodController } from '../domain/kubernetes.js';
import type { WorkloadKind } from '../domain/types.js';
import { putJob, putPod, putServiceAccount, putWorkload } from './fixtures.js';
import { stableHex } from './ids.js';
import { SEED_TIME } from './seed.js';
import type { ClusterState, FleetState } from './state.js';

export type Controller = WorkloadKind | 'CronJob' | 'Job' | 'Rollout' | 'bare';

export interface Placement {
  namespace: string;
  name: string;
  /** The IRSA annotation's role ARN. */
  annotation?: string;
  /** A Pod Identity association's role ARN (settled before the pods started). */
  association?: string;
  controller: Controller;
  replicas: number;
  env: Record<string, string>;
  awsCli: boolean;
  image: string;
  nodeSelector?: Record<string, string>;
  /** For pods the sandbox does not schedule itself (Jobs, Rollouts, bare pods). */
  nodeName?: string;
}

function scratchOf(state: FleetState, real: ClusterState): FleetState {
  const cluster: ClusterState = { ...real, serviceAccounts: [], workloads: [], pods: [], associations: [], jobs: [] };
  return { ...state, clusters: { [real.name]: cluster } };
}

function append(real: ClusterState, scratch: ClusterState): void {
  real.serviceAccounts.push(...scratch.serviceAccounts);
  real.workloads.push(...scratch.workloads);
  real.pods.push(...scratch.pods);
  real.associations.push(...scratch.associations);
  const jobs = scratch.jobs ?? [];
  if (jobs.length > 0) real.jobs = [...(real.jobs ?? []), ...jobs];
}

/** An association made an hour before the seed's pods started, so they were admitted with it. */
export function placeAssociation(
  cluster: ClusterState,
  state: Pick<FleetState, 'accountId' | 'region'>,
  target: { namespace: string; serviceAccount: string; roleArn: string },
): void {
  const id = `a-${stableHex(`${cluster.name}/${target.namespace}/${target.serviceAccount}`, 17).toLowerCase()}`;
  cluster.associations.push({
    associationId: id,
    associationArn: `arn:aws:eks:${state.region}:${state.accountId}:podidentityassociation/${cluster.name}/${id}`,
    namespace: target.namespace,
    serviceAccount: target.serviceAccount,
    roleArn: target.roleArn,
    clientRequestToken: `seed-${id}`,
    tags: {},
    createdAt: SEED_TIME - 3_600_000,
    visibleFrom: SEED_TIME - 3_600_000,
  });
}

function controllerOf(p: Placement, name: string): PodController | undefined {
  switch (p.controller) {
    case 'CronJob':
    case 'Job':
      return { apiVersion: 'batch/v1', kind: p.controller, name };
    case 'Rollout':
      return { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name };
    default:
      return undefined;
  }
}

/** The service account, its association, and its workload (or Job, Rollout, bare pod) with running pods. */
export function placeServiceAccount(state: FleetState, clusterName: string, p: Placement): void {
  const real = state.clusters[clusterName];
  if (real === undefined) throw new Error(`no cluster ${clusterName}`);
  const scratch = scratchOf(state, real);
  const cluster = scratch.clusters[clusterName] as ClusterState;
  putServiceAccount(scratch, clusterName, {
    namespace: p.namespace,
    name: p.name,
    annotations: p.annotation === undefined ? {} : { [IRSA_ANNOTATION]: p.annotation },
  });
  if (p.association !== undefined) {
    placeAssociation(cluster, state, { namespace: p.namespace, serviceAccount: p.name, roleArn: p.association });
  }
  const containers = [{ name: 'app', image: p.image, env: p.env, awsCli: p.awsCli }];
  const base = { namespace: p.namespace, serviceAccount: p.name, containers };
  if (p.controller === 'Deployment' || p.controller === 'StatefulSet' || p.controller === 'DaemonSet') {
    const selector = p.nodeSelector === undefined ? {} : { nodeSelector: p.nodeSelector };
    putWorkload(
      scratch,
      clusterName,
      { ...base, kind: p.controller, name: p.name, replicas: p.replicas, ...selector },
      SEED_TIME,
    );
  } else {
    const owner = p.controller === 'Job' ? `${p.name}-29046780` : p.name;
    if (p.controller === 'CronJob') {
      putJob(scratch, clusterName, {
        kind: 'CronJob',
        namespace: p.namespace,
        name: p.name,
        serviceAccount: p.name,
        active: 1,
      });
    }
    if (p.controller === 'CronJob' || p.controller === 'Job') {
      const job = p.controller === 'CronJob' ? `${p.name}-29046780` : owner;
      putJob(scratch, clusterName, {
        kind: 'Job',
        namespace: p.namespace,
        name: job,
        serviceAccount: p.name,
        active: 1,
        finished: false,
        ...(p.controller === 'CronJob' ? { cronJob: p.name } : {}),
      });
    }
    const controller = controllerOf(p, owner);
    const count = p.controller === 'Rollout' ? p.replicas : 1;
    for (let i = 0; i < count; i += 1) {
      putPod(
        scratch,
        clusterName,
        {
          ...base,
          name: p.controller === 'bare' ? p.name : `${owner}-${i}`,
          labels: { app: p.name },
          ...(controller === undefined ? {} : { controller }),
          ...(p.nodeName === undefined ? {} : { nodeName: p.nodeName }),
        },
        SEED_TIME,
      );
    }
  }
  append(real, cluster);
}
