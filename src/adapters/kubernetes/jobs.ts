import type { V1CronJob, V1Job } from '@kubernetes/client-node';
import type { JobInfo } from '../../domain/kubernetes.js';
import { describeCall, listAllPages } from './calls.js';
import type { ClusterClients } from './calls.js';
import { controllerOf, templateServiceAccount } from './mappers.js';
import { callOptions } from './requests.js';

/**
 * Jobs and CronJobs in `namespace` (every namespace when undefined), CronJobs first.
 * Preflight reports those of its service account (the migration does not restart them):
 * a CronJob with no pod right now still runs as the service account at its next schedule.
 */
export async function listJobsInScope(c: ClusterClients, namespace: string | undefined): Promise<JobInfo[]> {
  const options = callOptions(c.requestTimeoutMs);
  const [jobs, cronJobs] = await Promise.all([
    listAllPages(
      describeCall(c.cluster, 'list', 'jobs', namespace),
      (p) =>
        namespace === undefined
          ? c.batch.listJobForAllNamespaces(p, options)
          : c.batch.listNamespacedJob({ namespace, ...p }, options),
      c.listPageSize,
    ),
    listAllPages(
      describeCall(c.cluster, 'list', 'cronjobs', namespace),
      (p) =>
        namespace === undefined
          ? c.batch.listCronJobForAllNamespaces(p, options)
          : c.batch.listNamespacedCronJob({ namespace, ...p }, options),
      c.listPageSize,
    ),
  ]);
  return [
    ...cronJobs.map((cj) => toCronJobInfo(cj, namespace ?? '')),
    ...jobs.map((job) => toJobInfo(job, namespace ?? '')),
  ];
}

function toCronJobInfo(cj: V1CronJob, namespace: string): JobInfo {
  return {
    kind: 'CronJob',
    namespace: cj.metadata?.namespace ?? namespace,
    name: cj.metadata?.name ?? '',
    serviceAccount: templateServiceAccount(cj.spec?.jobTemplate.spec?.template),
    active: cj.status?.active?.length ?? 0,
    suspended: cj.spec?.suspend === true,
  };
}

function toJobInfo(job: V1Job, namespace: string): JobInfo {
  const owner = controllerOf(job.metadata?.ownerReferences);
  const finished = (job.status?.conditions ?? []).some(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
  return {
    kind: 'Job',
    namespace: job.metadata?.namespace ?? namespace,
    name: job.metadata?.name ?? '',
    serviceAccount: templateServiceAccount(job.spec?.template),
    ...(owner?.kind === 'CronJob' ? { cronJob: owner.name } : {}),
    active: job.status?.active ?? 0,
    finished,
  };
}
