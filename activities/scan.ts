/**
 * The fleet scan's reads: one cluster per activity (preflight's own reads, cluster-wide),
 * then IAM once for the account and in batches for the roles in use. Adapters page through
 * every listing; the activities heartbeat while they wait, so a stuck call is retried.
 */
import { Context } from '@temporalio/activity';
import type { MigrationLookup } from '../src/domain/fleet-report.js';
import type { ClusterInventory } from '../src/domain/fleet.js';
import { scanClusterInventory, type ClusterScan } from '../src/domain/inventory.js';
import type { RoleInfo } from '../src/domain/iam.js';
import {
  policyBreadth,
  principalTagUse,
  type RoleCatalog,
  type RoleCatalogPage,
  type RoleProfile,
  type RoleTrust,
} from '../src/domain/role-profile.js';
import { DEFAULT_TRUST_POLICY_LIMIT, federatedIssuers } from '../src/domain/trust-policy.js';
import { trustsPodIdentity } from '../src/domain/drift.js';
import type { DriftPost } from '../src/ports/drift-notifier.js';
import { FailureType } from '../src/domain/failure-types.js';
import { PortError } from '../src/ports/errors.js';
import { failure } from './failures.js';
import { readClusterInventory, readClusterWideFacts } from './cluster-facts.js';
import type { ActivityDeps } from './deps.js';

/** The catalog keeps roles trusted through OIDC or Pod Identity, and those asked for by name. */
function isCatalogued(role: RoleInfo, wanted: Set<string>): boolean {
  return (
    wanted.has(role.name) ||
    trustsPodIdentity(role.trustPolicy) ||
    role.trustPolicy.Statement.some((s) => federatedIssuers(s).length > 0)
  );
}

export interface ScanClusterInput {
  cluster: string;
  namespace?: string;
}

const HEARTBEAT_EVERY_MS = 10_000;
/**
 * A catalog page stops once its roles take this much JSON: an activity result, like any
 * Temporal payload, must stay under the server's 2 MB blob limit (and gRPC's 4 MiB). One
 * more ListRoles page of trust policies (100 roles, 8 KB each at IAM's largest quota) fits
 * on top of it.
 */
const CATALOG_PAGE_BYTES = 1_000_000;
/** One cluster's scan is one activity result: past this, Temporal's 2 MB blob limit refuses it. */
const CLUSTER_SCAN_BYTES = 1_900_000;
/** ListRoles' largest page: fewer calls for the same roles. */
const LIST_ROLES_PAGE = 1000;
/** IAM answers a few calls per second per account before it throttles. */
const IAM_PARALLEL = 4;

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    // Called outside an activity (a unit test, a script): nothing to heartbeat to.
    return undefined;
  }
}

/** Heartbeats `details` until `work` settles, and stops waiting when the activity is cancelled. */
async function heartbeating<T>(details: unknown, work: Promise<T>): Promise<T> {
  const context = activityContext();
  if (!context) return work;
  context.heartbeat(details);
  const timer = setInterval(() => context.heartbeat(details), HEARTBEAT_EVERY_MS);
  try {
    return await Promise.race([work, context.cancelled]);
  } finally {
    clearInterval(timer);
  }
}

/**
 * A cluster DescribeCluster does not know (EKS Anywhere, self-managed) has no associations
 * to list; its Kubernetes objects still show what runs on IRSA there.
 */
async function readKubernetesOnly(deps: ActivityDeps, cluster: string, namespace?: string): Promise<ClusterInventory> {
  const k8s = deps.kubernetes;
  const [serviceAccounts, workloads, pods] = await Promise.all([
    k8s.listServiceAccounts(cluster, namespace),
    k8s.listAllWorkloads(cluster, namespace),
    k8s.listAllPods(cluster, namespace),
  ]);
  return {
    cluster,
    ...(namespace === undefined ? {} : { namespace }),
    serviceAccounts,
    workloads,
    pods,
    associations: [],
  };
}

const roleNameOf = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);
const accountOf = (arn: string) => /^arn:[^:]+:iam::(\d{12}):/.exec(arn)?.[1];

async function roleProfile(deps: ActivityDeps, arn: string): Promise<RoleProfile> {
  const name = roleNameOf(arn);
  try {
    const [documents, tags] = await Promise.all([deps.iam.listRolePolicyDocuments(name), deps.iam.listRoleTags(name)]);
    return {
      arn,
      name,
      policy: policyBreadth(documents),
      principalTags: principalTagUse(documents, tags),
      tags: Object.keys(tags).length,
    };
  } catch (err) {
    // Throttling and 5xx go to the retry policy; a role we may not read is a gap in the report.
    if (err instanceof PortError && !err.retryable) return { arn, name, error: err.message };
    throw err;
  }
}

export function scanActivities(deps: ActivityDeps) {
  return {
    /** One cluster: DescribeCluster, the agent and Fargate, then every service account, workload, pod and association. */
    async scanCluster(input: ScanClusterInput): Promise<ClusterScan> {
      const { cluster, namespace } = input;
      const wide = await heartbeating({ cluster, reading: 'cluster' }, readClusterWideFacts(deps, cluster));
      const listing = wide.facts.info
        ? readClusterInventory(deps, cluster, namespace)
        : readKubernetesOnly(deps, cluster, namespace);
      const inventory = await heartbeating({ cluster, reading: 'listing' }, listing);
      const scan = scanClusterInventory(wide.facts, inventory, wide.findings);
      // Temporal would refuse the result, and the retries would read the cluster again for nothing.
      const size = JSON.stringify(scan).length;
      if (size > (deps.scanLimits?.clusterScanBytes ?? CLUSTER_SCAN_BYTES)) {
        throw failure(
          FailureType.LimitExceeded,
          `${cluster}: ${scan.serviceAccounts.length} service accounts make a ${(size / 1e6).toFixed(1)} MB scan result, over Temporal's 2 MB payload limit: scan it a namespace at a time (--namespace)`,
        );
      }
      return scan;
    },

    /**
     * One page of the catalog: from `marker`, the roles whose trust names an OIDC provider
     * or Pod Identity and the roles asked for, until about `CATALOG_PAGE_BYTES` of them; the
     * OIDC providers on the first page. `nextMarker` says where the next page starts.
     */
    async scanRoleCatalogPage(input: { include: string[]; marker?: string }): Promise<RoleCatalogPage> {
      const wanted = new Set(input.include.map(roleNameOf));
      const budget = deps.scanLimits?.bytes ?? CATALOG_PAGE_BYTES;
      const maxItems = deps.scanLimits?.rolesPerCall ?? LIST_ROLES_PAGE;
      const roles: RoleTrust[] = [];
      let accountId: string | undefined;
      let size = 0;
      let marker = input.marker;
      do {
        const page = await heartbeating(
          { reading: 'roles', found: roles.length },
          deps.iam.listRolesPage({ maxItems, ...(marker === undefined ? {} : { marker }) }),
        );
        for (const role of page.roles) {
          accountId ??= role.accountId;
          if (!isCatalogued(role, wanted)) continue;
          const trust = { arn: role.arn, name: role.name, trustPolicy: role.trustPolicy };
          roles.push(trust);
          size += JSON.stringify(trust).length;
        }
        marker = page.marker;
      } while (marker !== undefined && size < budget);
      const oidcProviders =
        input.marker === undefined
          ? await heartbeating({ reading: 'oidc' }, deps.iam.listOpenIdConnectProviders())
          : [];
      accountId ??= accountOf(oidcProviders[0]?.arn ?? '');
      return {
        ...(accountId === undefined ? {} : { accountId }),
        trustPolicySizeLimit: deps.trustPolicyLimit ?? DEFAULT_TRUST_POLICY_LIMIT,
        roles,
        oidcProviders,
        ...(marker === undefined ? {} : { nextMarker: marker }),
      };
    },

    /**
     * The whole catalog in one result, for scans started before the catalog was paged (they
     * replay calling this). Over about 1,400 roles its result passes the payload limit.
     */
    async scanRoleCatalog(input: { include: string[] }): Promise<RoleCatalog> {
      const [roles, oidcProviders] = await heartbeating(
        { reading: 'roles' },
        Promise.all([deps.iam.listRoles(), deps.iam.listOpenIdConnectProviders()]),
      );
      const wanted = new Set(input.include.map(roleNameOf));
      const relevant = roles.filter((r) => isCatalogued(r, wanted));
      const accountId = roles[0]?.accountId ?? accountOf(oidcProviders[0]?.arn ?? '');
      return {
        ...(accountId === undefined ? {} : { accountId }),
        trustPolicySizeLimit: deps.trustPolicyLimit ?? DEFAULT_TRUST_POLICY_LIMIT,
        roles: relevant.map((r) => ({ arn: r.arn, name: r.name, trustPolicy: r.trustPolicy })),
        oidcProviders,
      };
    },

    /** Policy breadth and principal-tag use of a batch of roles, a few at a time. */
    async scanRoleProfiles(input: { roleArns: string[] }): Promise<RoleProfile[]> {
      const profiles: RoleProfile[] = [];
      let next = 0;
      const worker = async () => {
        while (next < input.roleArns.length) {
          const arn = input.roleArns[next++] ?? '';
          profiles.push(await heartbeating({ role: arn, done: profiles.length }, roleProfile(deps, arn)));
        }
      };
      await Promise.all(Array.from({ length: Math.min(IAM_PARALLEL, input.roleArns.length) }, worker));
      return profiles.sort((a, b) => a.arn.localeCompare(b.arn));
    },

    /** Never fails: without visibility the report says it could not tell. */
    async lookUpRunningMigrations(): Promise<MigrationLookup> {
      if (!deps.runningMigrations) {
        return { available: false, running: [], note: 'this worker has no Temporal visibility to ask' };
      }
      try {
        return { available: true, running: await deps.runningMigrations() };
      } catch (err) {
        return { available: false, running: [], note: `Temporal visibility: ${(err as Error).message}` };
      }
    },

    /** Never fails: without visibility a scheduled scan compares with nothing, and says so. */
    async lastScheduledScanKeys(): Promise<{ keys?: string[]; note?: string }> {
      if (!deps.lastScheduledScanKeys) return { note: 'this worker has no Temporal visibility to ask' };
      try {
        const keys = await deps.lastScheduledScanKeys();
        return keys === undefined ? { note: 'no scheduled scan has completed before' } : { keys };
      } catch (err) {
        return { note: `Temporal visibility: ${(err as Error).message}` };
      }
    },

    /** Never fails a scan: a delivery problem comes back as a warning. */
    async postNewDrift(post: DriftPost): Promise<{ warning?: string }> {
      if (!deps.driftNotifier) return { warning: 'no drift notifier configured' };
      try {
        return await deps.driftNotifier.postNewDrift(post);
      } catch (err) {
        return { warning: `drift notifier: ${(err as Error).message}` };
      }
    },
  };
}
