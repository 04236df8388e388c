import type { ClusterPreflight, RolePreflight } from '../../activities/types.js';
import type { MigrationPlan } from '../../src/domain/migration-state.js';
import { mergePlan } from '../../src/domain/plan.js';
import type { MigrationInput } from '../../src/domain/types.js';
import { activities, API_CALL } from '../activity-options.js';
import type { MigrationRun } from './run.js';

export interface PreflightResult {
  role: RolePreflight;
  clusters: ClusterPreflight[];
  plan: MigrationPlan;
}

/** Read-only checks of every cluster (in parallel) and the role. Changes nothing; `plan` mode is this alone. */
export async function runPreflight(input: MigrationInput): Promise<PreflightResult> {
  const { serviceAccount, roleArn } = input;
  const { keepIrsaTrust } = input.options;
  const [role, ...clusters] = await Promise.all([
    activities(API_CALL, `preflight role ${roleArn}`).preflightRole({ roleArn, serviceAccount }),
    ...input.clusters.map((cluster) =>
      activities(API_CALL, `preflight ${cluster}`).preflightCluster({
        cluster,
        serviceAccount,
        roleArn,
        keepIrsaTrust,
      }),
    ),
  ]);
  // After the clusters: their DescribeCluster ARNs are the sessions' eks-cluster-arn tags.
  const reuse = await activities(API_CALL, `check reuse of role ${roleArn}`).checkRoleReuse({
    roleArn,
    serviceAccount,
    clusters: input.clusters,
    clusterArns: Object.fromEntries(clusters.flatMap((c) => (c.clusterArn ? [[c.cluster, c.clusterArn]] : []))),
    requestedBy: input.requestedBy,
    ...(input.options.acceptSharedRole ? { acceptSharedRole: true } : {}),
  });
  const plan = mergePlan({
    serviceAccount,
    roleArn,
    keepIrsaTrust: input.options.keepIrsaTrust,
    trust: role.trust,
    clusters: clusters.map((c) => c.plan),
    cleanupIssuers: clusters.flatMap((c) => c.cleanupIssuers),
    findings: [...role.findings, ...reuse.findings, ...clusters.flatMap((c) => c.findings)],
  });
  return { role, clusters, plan: { ...plan, roleReuse: reuse.report } };
}

/**
 * The first phase: preflight, with what rollback needs to know recorded before anything
 * changes. Returns each cluster's preflight, or nothing when a finding blocks the run.
 */
export async function preflight(run: MigrationRun): Promise<ClusterPreflight[] | undefined> {
  const { state } = run;
  const { role, clusters, plan } = await runPreflight(run.input);
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
