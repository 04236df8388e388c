import {
  ActivityFailure,
  isCancellation,
  patched,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  buildFleetReport,
  fitReport,
  knownKeysOf,
  type ClusterOutcome,
  type FleetReport,
} from '../../src/domain/fleet-report.js';
import {
  joinCatalogPages,
  type RoleCatalog,
  type RoleCatalogPage,
  type RoleProfile,
} from '../../src/domain/role-profile.js';
import { activities, NOTIFY } from '../activity-options.js';
import { scanProgressQuery, type ScanInput, type ScanProgress } from './messages.js';
import { CLUSTER_SCAN, IAM_SCAN, LOOKUP, SWEEP } from './options.js';

const DEFAULT_CLUSTER_CONCURRENCY = 4;
const ROLES_PER_BATCH = 25;
// IAM throttles per account, not per role: one batch at a time (each reads four roles at once).
const ROLE_BATCHES_AT_ONCE = 1;

/** `fn` over `items`, at most `limit` at a time, results in input order. */
async function inParallel<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results;
}

function reason(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Every role a scanned service account uses, through its annotation or an association. */
function rolesInUse(outcomes: ClusterOutcome[]): string[] {
  const arns = outcomes.flatMap((o) =>
    'scan' in o
      ? [
          ...o.scan.serviceAccounts.flatMap((sa) => [
            ...(sa.irsaRoleArn ? [sa.irsaRoleArn] : []),
            ...sa.associations.map((a) => a.roleArn),
          ]),
          ...o.scan.associations.map((a) => a.roleArn),
        ]
      : [],
  );
  return [...new Set(arns)].sort();
}

/** Scans started before the catalog was paged replay reading it in one result (README, "Changing workflow code safely"). */
export const SCAN_CATALOG_PAGES_PATCH = 'scan-catalog-pages';

/**
 * The account's role catalog, a page per activity so no result passes Temporal's payload
 * limit (a role's trust policy takes about 1.4 KB: one result held about 1,400 roles).
 */
async function readCatalog(roleArns: string[]): Promise<RoleCatalog> {
  if (!patched(SCAN_CATALOG_PAGES_PATCH)) {
    return activities(IAM_SCAN, 'read role trust policies and OIDC providers').scanRoleCatalog({ include: roleArns });
  }
  const pages: RoleCatalogPage[] = [];
  let marker: string | undefined;
  do {
    const page = await activities(IAM_SCAN, `read role trust policies, page ${pages.length + 1}`).scanRoleCatalogPage({
      include: roleArns,
      ...(marker === undefined ? {} : { marker }),
    });
    pages.push(page);
    marker = page.nextMarker;
  } while (marker !== undefined);
  return joinCatalogPages(pages);
}

async function readIam(
  progress: ScanProgress,
  roleArns: string[],
): Promise<{ catalog?: RoleCatalog; catalogError?: string; profiles: RoleProfile[] }> {
  let catalog: RoleCatalog;
  try {
    catalog = await readCatalog(roleArns);
  } catch (err) {
    return { catalogError: reason(err), profiles: [] };
  }
  // Only the account IAM was read for: elsewhere the reads would be denied.
  const readable = roleArns.filter((arn) => catalog.accountId !== undefined && arn.includes(`::${catalog.accountId}:`));
  progress.roles.total = readable.length;
  const batches = await inParallel(chunks(readable, ROLES_PER_BATCH), ROLE_BATCHES_AT_ONCE, async (batch) => {
    try {
      return await activities(IAM_SCAN, `read the policies of ${batch.length} role(s)`).scanRoleProfiles({
        roleArns: batch,
      });
    } catch (err) {
      const error = reason(err);
      return batch.map((arn) => ({ arn, name: arn.slice(arn.lastIndexOf('/') + 1), error }));
    } finally {
      progress.roles.done += batch.length;
    }
  });
  return { catalog, profiles: batches.flat() };
}

/**
 * What the previous scheduled scan found. The Schedule hands each run the last result of
 * the runs it tracks; a manual trigger or a re-created Schedule gets none, so ask visibility.
 * With neither, everything found is new.
 */
async function previousScheduledKeys(): Promise<{ keys: string[]; note?: string }> {
  const handed = knownKeysOf(workflowInfo().lastResult);
  if (handed) return { keys: handed };
  const found = await activities(LOOKUP, 'find the last scheduled scan').lastScheduledScanKeys();
  return found.keys ? { keys: found.keys } : { keys: [], ...(found.note ? { note: found.note } : {}) };
}

function details(progress: ScanProgress): string {
  const failed = progress.clusters.failed.length ? `, unreadable: ${progress.clusters.failed.join(', ')}` : '';
  return `${progress.phase}: ${progress.clusters.done}/${progress.clusters.total} clusters${failed}; ${progress.roles.done}/${progress.roles.total} roles`;
}

/** Scans started before verification pods replay without the sweep (README, "Changing workflow code safely"). */
export const SCAN_SWEEP_PATCH = 'scan-sweep-verification-pods';

/**
 * Verification pods whose run never deleted them (a worker that died for good): any past
 * their deadline and grace goes. Best effort: a cluster that refuses is tried at the next scan.
 */
async function sweepExpiredVerificationPods(cluster: string): Promise<string[]> {
  // A scan started before the sweep replays without it.
  if (!patched(SCAN_SWEEP_PATCH)) return [];
  try {
    const { deleted } = await activities(SWEEP, `sweep expired verification pods in ${cluster}`).sweepVerificationPods({
      cluster,
    });
    return deleted.map((pod) => `${cluster} ${pod}`);
  } catch (err) {
    if (isCancellation(err)) throw err;
    return [];
  }
}

/**
 * Scans the fleet: each cluster in its own activity (a few at a time), then IAM, then the
 * inventory and drift report. A scheduled scan compares with the previous scheduled scan's
 * result, which the Schedule hands over, and posts only the drift that is new.
 */
export async function scanWorkflow(input: ScanInput): Promise<FleetReport> {
  const progress: ScanProgress = {
    phase: 'clusters',
    clusters: { total: input.clusters.length, done: 0, failed: [] },
    roles: { total: 0, done: 0 },
  };
  const refresh = () => setCurrentDetails(details(progress));
  setHandler(scanProgressQuery, () => progress, {
    description: 'Where the scan is: clusters read (and those that could not be), roles read.',
  });
  refresh();

  const limit = input.clusterConcurrency ?? DEFAULT_CLUSTER_CONCURRENCY;
  const swept: string[] = [];
  const outcomes = await inParallel(input.clusters, limit, async (cluster): Promise<ClusterOutcome> => {
    try {
      const scan = await activities(CLUSTER_SCAN, `scan ${cluster}`).scanCluster({
        cluster,
        ...(input.namespace === undefined ? {} : { namespace: input.namespace }),
      });
      swept.push(...(await sweepExpiredVerificationPods(cluster)));
      return { cluster, scan };
    } catch (err) {
      progress.clusters.failed.push(cluster);
      return { cluster, error: reason(err) };
    } finally {
      progress.clusters.done += 1;
      refresh();
    }
  });

  progress.phase = 'iam';
  refresh();
  const iam = await readIam(progress, rolesInUse(outcomes));
  const migrations = await activities(LOOKUP, 'find running migrations').lookUpRunningMigrations();
  const previous = input.trigger === 'schedule' ? await previousScheduledKeys() : undefined;

  progress.phase = 'report';
  refresh();
  const report = fitReport(
    buildFleetReport({
      scannedAt: new Date().toISOString(),
      scope: {
        clusters: input.clusters,
        ...(input.namespace === undefined ? {} : { namespace: input.namespace }),
        complete: input.complete && input.namespace === undefined,
      },
      clusters: outcomes,
      ...iam,
      migrations,
      ...(input.kubeContexts ? { kubeContexts: input.kubeContexts } : {}),
      ...(previous?.keys === undefined ? {} : { previousKeys: previous.keys }),
    }),
  );

  if (previous?.note) report.notes.push(`new drift compared with nothing: ${previous.note}`);
  if (swept.length > 0) report.notes.push(`verification pods past their deadline deleted: ${swept.join(', ')}`);
  const fresh = new Set(report.newFindingKeys ?? []);
  if (fresh.size > 0) {
    const { warning } = await activities(NOTIFY, `post ${fresh.size} new drift finding(s)`).postNewDrift({
      workflowId: workflowInfo().workflowId,
      scannedAt: report.scannedAt,
      newFindings: report.findings.filter((f) => fresh.has(f.key)),
      totals: report.summary.findings,
    });
    if (warning) report.notes.push(warning);
  }
  progress.phase = 'done';
  refresh();
  return report;
}
