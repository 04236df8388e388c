import type { ClusterPreflight, RolePreflight } from '../../activities/types.js';
import type { MigrationPlan } from '../../src/domain/migration-state.js';
import { mergePlan } from '../../src/domain/plan.js';
import type { MigrationInput } from '../../src/domain/types.js';
import { patched } from '@temporalio/workflow';
import { activities, API_CALL, OVERLAPPED_CALLS_PATCH } from '../activity-options.js';
import { auditSdkVersions, evidenceEnabled } from './evidence.js';
import type { MigrationRun } from './run.js';

export interface PreflightResult {
  role: RolePreflight;
  clusters: ClusterPreflight[];
  plan: MigrationPlan;
}

/**
 * Runs that started before the trust was scoped preflighted the role alongside the clusters;
 * scoping needs the clusters' ARNs first. README, "Changing workflow code safely".
 */
export const ROLE_AFTER_CLUSTERS_PATCH = 'preflight-role-after-clusters';
/** Runs started before the role reuse check replay without it. */
export const ROLE_REUSE_PATCH = 'role-reuse-check';

/**
 * Read-only checks of every cluster (in parallel), then of the role. Changes nothing; `plan`
 * mode is this alone. `alongside` runs once the clusters are read: beside the role's checks
 * (OVERLAPPED_CALLS_PATCH), or after them as runs before it did.
 */
export async function runPreflight<T = undefined>(
  input: MigrationInput,
  alongside?: (clusters: ClusterPreflight[]) => Promise<T>,
): Promise<PreflightResult & { alongside?: T }> {
  const { serviceAccount, roleArn } = input;
  const { keepIrsaTrust } = input.options;
  const preflightRole = (clusterArns?: string[]) =>
    activities(API_CALL, `preflight role ${roleArn}`).preflightRole({
      roleArn,
      serviceAccount,
      ...(clusterArns && { clusterArns }),
      unscopedTrust: input.options.unscopedTrust === true,
      disableSessionTags: input.options.disableSessionTags === true,
      ...(input.options.targetRoleArn !== undefined && { targetRoleArn: input.options.targetRoleArn }),
    });
  const preflightClusters = () =>
    input.clusters.map((cluster) =>
      activities(API_CALL, `preflight ${cluster}`).preflightCluster({
        cluster,
        serviceAccount,
        roleArn,
        keepIrsaTrust,
        ...(input.options.disableSessionTags === true && { disableSessionTags: true }),
        ...(input.options.targetRoleArn !== undefined && { targetRoleArn: input.options.targetRoleArn }),
      }),
    );
  const checkReuse = (clusters: ClusterPreflight[]) =>
    activities(API_CALL, `check reuse of role ${roleArn}`).checkRoleReuse({
      roleArn,
      ...(input.options.targetRoleArn !== undefined && { targetRoleArn: input.options.targetRoleArn }),
      serviceAccount,
      clusters: input.clusters,
      // After the clusters: their DescribeCluster ARNs are the sessions' eks-cluster-arn tags.
      clusterArns: Object.fromEntries(clusters.flatMap((c) => (c.clusterArn ? [[c.cluster, c.clusterArn]] : []))),
      requestedBy: input.requestedBy,
      ...(input.options.acceptSharedRole === true && { acceptSharedRole: true }),
    });
  let role: RolePreflight;
  let clusters: ClusterPreflight[];
  let reuse: Awaited<ReturnType<typeof checkReuse>> | undefined;
  let besides: T | undefined;
  if (patched(OVERLAPPED_CALLS_PATCH)) {
    clusters = await Promise.all(preflightClusters());
    const clusterArns = clusters.flatMap((c) => (c.clusterArn ? [c.clusterArn] : []));
    // The role, its reuse and `alongside` need the clusters, not each other: one round trip.
    [role, reuse, besides] = await Promise.all([
      preflightRole(clusterArns),
      checkReuse(clusters),
      alongside?.(clusters),
    ]);
  } else if (patched(ROLE_AFTER_CLUSTERS_PATCH)) {
    clusters = await Promise.all(preflightClusters());
    // After the clusters: the trust statement is scoped to the ARNs their DescribeCluster gave.
    role = await preflightRole(clusters.flatMap((c) => (c.clusterArn ? [c.clusterArn] : [])));
  } else {
    // As those runs scheduled it: the role first, all at once, without the clusters' ARNs (unscoped).
    [role, ...clusters] = await Promise.all([preflightRole(), ...preflightClusters()]);
  }
  if (!patched(OVERLAPPED_CALLS_PATCH)) {
    reuse = patched(ROLE_REUSE_PATCH) ? await checkReuse(clusters) : undefined;
    besides = await alongside?.(clusters);
  }
  const plan = mergePlan({
    serviceAccount,
    roleArn,
    keepIrsaTrust,
    trust: role.trust,
    clusters: clusters.map((c) => c.plan),
    cleanupIssuers: clusters.flatMap((c) => c.cleanupIssuers),
    findings: [...role.findings, ...(reuse?.findings ?? []), ...clusters.flatMap((c) => c.findings)],
  });
  return {
    role,
    clusters,
    plan: reuse === undefined ? plan : { ...plan, roleReuse: reuse.report },
    ...(besides !== undefined && { alongside: besides }),
  };
}

/**
 * The first phase: preflight, with what rollback needs to know recorded before anything
 * changes. Returns each cluster's preflight, or nothing when a finding blocks the run.
 */
export async function preflight(run: MigrationRun): Promise<ClusterPreflight[] | undefined> {
  const { state } = run;
  const { role, clusters, plan, alongside } = await runPreflight(run.input, (clusters) =>
    evidenceEnabled() ? auditSdkVersions(run, clusters) : Promise.resolve(undefined),
  );
  if (alongside !== undefined) {
    const sdkFindings = alongside;
    plan.findings.push(...sdkFindings);
    plan.blocked ||= sdkFindings.some((f) => f.severity === 'blocking');
  }
  state.plan = plan;
  state.findings = plan.findings;
  state.rollbackNote.originalTrustPolicy = role.trustPolicy;
  for (const c of clusters) {
    state.rollbackNote.previousAnnotations[c.cluster] = c.plan.irsaAnnotation;
    state.rollbackNote.workloads[c.cluster] = c.workloads;
  }
  state.warnings.push(...state.findings.filter((f) => f.severity === 'warning').map((f) => f.message));
  if (plan.blocked) {
    run.setPhase('PreflightFailed');
    await run.notify('finished', `preflight blocked the migration; nothing was changed`, { findings: state.findings });
    return undefined;
  }
  await run.notify('preflight', `preflight passed for ${run.input.clusters.length} cluster(s)`, {
    findings: state.findings,
  });
  return clusters;
}
