import type { ClusterPreflight, RolePreflight } from '../activities/types.js';
import type { MigrationPlan } from '../src/domain/migration-state.js';
import type { Finding, MigrationInput } from '../src/domain/types.js';
import { API_CALL, call } from './activity-options.js';

export interface PreflightResult {
  role: RolePreflight;
  clusters: ClusterPreflight[];
  plan: MigrationPlan;
}

/** Read-only checks of every cluster (in parallel) and the role. Changes nothing. */
export async function runPreflight(input: MigrationInput): Promise<PreflightResult> {
  const sa = input.serviceAccount;
  const [role, ...clusters] = await Promise.all([
    call(API_CALL, `preflight role ${input.roleArn}`, 'preflightRole', { roleArn: input.roleArn, serviceAccount: sa }),
    ...input.clusters.map((cluster) =>
      call(API_CALL, `preflight ${cluster}`, 'preflightCluster', {
        cluster,
        serviceAccount: sa,
        roleArn: input.roleArn,
      }),
    ),
  ]);
  const findings: Finding[] = [...role.findings, ...clusters.flatMap((c) => c.findings)];
  const issuers = clusters.flatMap((c) => c.cleanupIssuers);
  const plan: MigrationPlan = {
    serviceAccount: `${sa.namespace}/${sa.name}`,
    roleArn: input.roleArn,
    trust: role.trust,
    clusters: clusters.map((c) => c.plan),
    cleanup: {
      removeAnnotations: clusters.filter((c) => c.plan.irsaAnnotation !== null).map((c) => c.cluster),
      removeIrsaTrustForIssuers: input.options.keepIrsaTrust ? [] : issuers,
      keepIrsaTrust: input.options.keepIrsaTrust,
    },
    findings,
    blocked: findings.some((f) => f.severity === 'blocking'),
  };
  return { role, clusters, plan };
}
