import type { ClusterPreflight, RolePreflight } from '../activities/types.js';
import type { MigrationPlan } from '../src/domain/migration-state.js';
import { mergePlan } from '../src/domain/plan.js';
import type { MigrationInput } from '../src/domain/types.js';
import { activities, API_CALL } from './activity-options.js';

export interface PreflightResult {
  role: RolePreflight;
  clusters: ClusterPreflight[];
  plan: MigrationPlan;
}

/** Read-only checks of every cluster (in parallel) and the role. Changes nothing. */
export async function runPreflight(input: MigrationInput): Promise<PreflightResult> {
  const sa = input.serviceAccount;
  const [role, ...clusters] = await Promise.all([
    activities(API_CALL, `preflight role ${input.roleArn}`).preflightRole({
      roleArn: input.roleArn,
      serviceAccount: sa,
    }),
    ...input.clusters.map((cluster) =>
      activities(API_CALL, `preflight ${cluster}`).preflightCluster({
        cluster,
        serviceAccount: sa,
        roleArn: input.roleArn,
      }),
    ),
  ]);
  const plan = mergePlan({
    serviceAccount: sa,
    roleArn: input.roleArn,
    keepIrsaTrust: input.options.keepIrsaTrust,
    trust: role.trust,
    clusters: clusters.map((c) => c.plan),
    cleanupIssuers: clusters.flatMap((c) => c.cleanupIssuers),
    findings: [...role.findings, ...clusters.flatMap((c) => c.findings)],
  });
  return { role, clusters, plan };
}
