import { ActivityFailure, isCancellation, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { DiagnosisClusterRead } from '../../activities/diagnose.js';
import {
  assembleDiagnosis,
  callerIdentityRow,
  irsaRows,
  principalTagRow,
  type Diagnosis,
  type DiagnosisRow,
  type ProbeSummary,
} from '../../src/domain/diagnosis.js';
import type { NamedPolicyDocument } from '../../src/domain/iam.js';
import type { RoleCatalog } from '../../src/domain/role-profile.js';
import { clusterRows } from '../../src/domain/diagnosis-cluster.js';
import { runKeyOf } from '../../src/domain/verification-pod.js';
import { activities, API_CALL, PROBE_POD } from '../activity-options.js';
import type { DiagnoseInput } from './messages.js';

function reason(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * The troubleshooting matrix for one service account across clusters: each cluster read in
 * its own activity (at once), IAM for the roles in use, then a verification pod per cluster.
 * A cluster that cannot be read is one failing row, not a failed diagnosis.
 */
export async function diagnoseWorkflow(input: DiagnoseInput): Promise<Diagnosis> {
  const { serviceAccount: sa } = input;
  const { workflowId, firstExecutionRunId } = workflowInfo();
  const now = () => new Date().toISOString();
  setCurrentDetails(`diagnosing ${sa.namespace}/${sa.name} in ${input.clusters.join(', ')}: reading clusters`);

  const reads = await Promise.all(
    input.clusters.map(async (cluster): Promise<DiagnosisClusterRead | { cluster: string; error: string }> => {
      try {
        return await activities(API_CALL, `read ${sa.namespace}/${sa.name} in ${cluster}`).readDiagnosisCluster({
          cluster,
          serviceAccount: sa,
          ...(input.roleArn ? { roleArn: input.roleArn } : {}),
          ...(input.kubeContexts?.[cluster] ? { kubeContext: input.kubeContexts[cluster] } : {}),
        });
      } catch (err) {
        if (isCancellation(err)) throw err;
        return { cluster, error: reason(err) };
      }
    }),
  );
  const read = reads.filter((r): r is DiagnosisClusterRead => 'facts' in r);
  const rows: DiagnosisRow[] = reads.flatMap((r) =>
    'error' in r
      ? [
          {
            cluster: r.cluster,
            check: 'service-account' as const,
            status: 'fail' as const,
            reason: `cannot read the cluster: ${r.error}`,
          },
        ]
      : [],
  );

  const roleArns = [...new Set(read.flatMap((r) => (r.facts.facts.roleArn ? [r.facts.facts.roleArn] : [])))].sort();
  setCurrentDetails(`diagnosing ${sa.namespace}/${sa.name}: reading ${roleArns.length} role(s)`);
  let iam: { catalog?: RoleCatalog; documents: Record<string, NamedPolicyDocument[]> } = { documents: {} };
  try {
    iam = await activities(API_CALL, 'read the roles in use').readDiagnosisRoles({ roleArns });
  } catch (err) {
    // The IAM rows then say they could not tell; the cluster rows stand.
    if (isCancellation(err)) throw err;
  }

  setCurrentDetails(`diagnosing ${sa.namespace}/${sa.name}: verification pods`);
  const key = runKeyOf(workflowId, firstExecutionRunId);
  const probes = await Promise.all(
    read.map(async (r): Promise<[string, ProbeSummary]> => {
      if (!input.verificationPod)
        return [r.facts.cluster, { state: 'skipped', detail: 'no verification pod (--no-pod)' }];
      try {
        return [
          r.facts.cluster,
          await activities(PROBE_POD, `verification pod in ${r.facts.cluster}`).probeForDiagnosis({
            cluster: r.facts.cluster,
            serviceAccount: sa,
            expect: r.expect,
            runKey: key,
            workflowId,
          }),
        ];
      } catch (err) {
        if (isCancellation(err)) throw err;
        return [r.facts.cluster, { state: 'unavailable', detail: `verification pod: ${reason(err)}` }];
      }
    }),
  );
  const probeOf = new Map(probes);

  for (const r of read) {
    rows.push(...clusterRows(r.facts, sa, { now: now(), consistencyWindowSeconds: input.consistencyWindowSeconds }));
    rows.push(
      principalTagRow(r.facts.cluster, r.facts.facts.roleArn || undefined, iam.documents[r.facts.facts.roleArn]),
    );
    rows.push(callerIdentityRow(r.facts, sa, probeOf.get(r.facts.cluster), r.probeImage));
  }
  rows.push(
    ...irsaRows(
      read.map((r) => r.scan),
      iam.catalog,
      sa,
      Object.fromEntries(read.map((r) => [r.facts.cluster, r.facts.kubeContext])),
    ),
  );

  const diagnosis = assembleDiagnosis({
    serviceAccount: sa,
    clusters: input.clusters,
    diagnosedAt: now(),
    workflowId,
    rows,
  });
  setCurrentDetails(
    `diagnosed ${diagnosis.serviceAccount}: ${diagnosis.summary.fail} failing, ${diagnosis.summary.warn} warning, ${diagnosis.summary.pass} passing`,
  );
  return diagnosis;
}
