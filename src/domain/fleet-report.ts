/**
 * The fleet view a scan produces: one row per service account per cluster with its state,
 * the roles they use with their reach, and the drift findings. Pure: the scan workflow
 * builds it from its activities' results; the CLI, Slack and the next scan read it.
 */
import { detectDrift, DRIFT_SEVERITIES, trustsPodIdentity, type DriftFinding, type DriftSeverity } from './drift.js';
import type { ClusterScan, PodCredentialCounts } from './inventory.js';
import {
  findRole,
  type PolicyBreadth,
  type PrincipalTagUse,
  type RoleCatalog,
  type RoleProfile,
} from './role-profile.js';
import { federatedIssuers, trustPolicySize } from './trust-policy.js';
import type { Finding, WorkloadKind } from './types.js';

export type InventoryState = 'irsa' | 'pod-identity' | 'both' | 'broken' | 'not-migratable' | 'unmanaged';

export const INVENTORY_STATES: readonly InventoryState[] = [
  'broken',
  'irsa',
  'both',
  'pod-identity',
  'not-migratable',
  'unmanaged',
];

/** What a scan covers. */
export interface ScanScope {
  clusters: string[];
  namespace?: string;
  /** Every fleet cluster, every namespace: absence anywhere means absence. */
  complete: boolean;
}

/** A migration workflow running now, from its search attributes. */
export interface RunningMigration {
  workflowId: string;
  runId: string;
  /** `namespace/name`, the `ServiceAccount` search attribute. */
  serviceAccount: string;
  /** The `Clusters` search attribute. */
  clusters: string[];
  /** The `CampaignId` search attribute, when a campaign started it. */
  campaignId?: string;
}

export interface MigrationLookup {
  /** False when Temporal visibility could not answer: `migrations` of the rows are then unknown. */
  available: boolean;
  running: RunningMigration[];
  note?: string;
}

export interface InventoryRow {
  cluster: string;
  namespace: string;
  serviceAccount: string;
  state: InventoryState;
  /** Why it is broken, not migratable or unmanaged. */
  reasons: string[];
  irsaRoleArn?: string;
  /** The association's role (the first, if several). */
  podIdentityRoleArn?: string;
  /** `Deployment/reconciler`. */
  workloads: string[];
  controllerKinds: WorkloadKind[];
  pods: PodCredentialCounts;
  /** Preflight's blocking codes a migration would stop on (proxy, conflicting association). */
  blockers: string[];
  /** Keys of the drift findings about it. */
  drift: string[];
  /** Migration workflows running for it now, and the campaign that started each, if one did. */
  migrations: { workflowId: string; runId: string; campaignId?: string }[];
}

export interface RoleUser {
  cluster: string;
  serviceAccount: string;
  via: 'irsa' | 'pod-identity';
}

export interface RoleSummary {
  arn: string;
  name: string;
  /** `other-account`: IAM was not read there, nothing is known about it. */
  status: 'ok' | 'missing' | 'other-account';
  users: RoleUser[];
  trust?: { size: number; limit: number; headroom: number; podIdentity: boolean; oidcIssuers: number };
  policy?: PolicyBreadth;
  principalTags?: PrincipalTagUse;
  tags?: number;
  error?: string;
}

export interface ClusterReport {
  cluster: string;
  status: 'scanned' | 'failed';
  error?: string;
  /** Reads that failed for good on the way. */
  findings: Finding[];
  counts?: ClusterScan['counts'];
}

export interface FleetReport {
  scannedAt: string;
  scope: ScanScope;
  clusters: ClusterReport[];
  rows: InventoryRow[];
  roles: RoleSummary[];
  findings: DriftFinding[];
  summary: {
    serviceAccounts: number;
    states: Record<InventoryState, number>;
    findings: Record<DriftSeverity, number>;
    roles: number;
  };
  migrationLookup: { available: boolean; note?: string };
  /** Problems of the scan itself (IAM unreadable): what the report cannot say. */
  notes: string[];
  /** What the next scheduled scan compares with: these findings, plus the last scan's while a cluster was unreadable. */
  knownFindingKeys: string[];
  /** Findings not in the previous scheduled scan; unset for on-demand scans. */
  newFindingKeys?: string[];
}

export type ClusterOutcome = { cluster: string; scan: ClusterScan } | { cluster: string; error: string };

export interface FleetReportInput {
  scannedAt: string;
  scope: ScanScope;
  clusters: ClusterOutcome[];
  /** Undefined when IAM could not be read: role rules are skipped. */
  catalog?: RoleCatalog;
  catalogError?: string;
  profiles: RoleProfile[];
  migrations: MigrationLookup;
  kubeContexts?: Record<string, string>;
  /** `knownFindingKeys` of the previous scheduled scan; undefined for on-demand scans. */
  previousKeys?: string[];
}

const EMPTY_CATALOG: RoleCatalog = { trustPolicySizeLimit: 2048, roles: [], oidcProviders: [] };

function rowOf(scan: ClusterScan, sa: ClusterScan['serviceAccounts'][number], findings: DriftFinding[]): InventoryRow {
  const name = `${sa.namespace}/${sa.name}`;
  const about = findings.filter(
    (f) =>
      (f.cluster === scan.cluster && f.serviceAccount === name) ||
      (f.cluster === undefined && f.serviceAccount === name) ||
      (f.kind === 'oidc-provider-missing' && f.cluster === scan.cluster && sa.irsaRoleArn !== undefined),
  );
  const onPodIdentity = sa.associations.length > 0;
  const broken = about.filter((f) => f.severity === 'broken' && !(f.kind === 'oidc-provider-missing' && onPodIdentity));
  const irsa = sa.irsaRoleArn !== undefined;
  const state: InventoryState =
    broken.length > 0
      ? 'broken'
      : sa.notMigratable.length > 0
        ? 'not-migratable'
        : irsa && onPodIdentity
          ? 'both'
          : onPodIdentity
            ? 'pod-identity'
            : irsa
              ? 'irsa'
              : 'unmanaged';
  const reasons =
    state === 'broken'
      ? broken.map((f) => f.message.replace(`${scan.cluster} ${name}: `, ''))
      : state === 'not-migratable'
        ? sa.notMigratable
        : state === 'unmanaged'
          ? [
              sa.pods.staticKeys > 0
                ? `${sa.pods.staticKeys} pod(s) set AWS_ACCESS_KEY_ID themselves`
                : 'pods set AWS credential variables themselves, with no annotation or association',
            ]
          : [];
  return {
    cluster: scan.cluster,
    namespace: sa.namespace,
    serviceAccount: sa.name,
    state,
    reasons,
    ...(sa.irsaRoleArn === undefined ? {} : { irsaRoleArn: sa.irsaRoleArn }),
    ...(sa.associations[0] === undefined ? {} : { podIdentityRoleArn: sa.associations[0].roleArn }),
    workloads: sa.workloads.map((w) => `${w.kind}/${w.name}`),
    controllerKinds: [...new Set(sa.workloads.map((w) => w.kind))],
    pods: sa.pods,
    blockers: sa.blockers,
    drift: about.map((f) => f.key),
    migrations: [],
  };
}

function roleSummaries(rows: InventoryRow[], catalog: RoleCatalog, profiles: RoleProfile[]): RoleSummary[] {
  const users = new Map<string, RoleUser[]>();
  const use = (arn: string | undefined, user: RoleUser) => {
    if (arn !== undefined) users.set(arn, [...(users.get(arn) ?? []), user]);
  };
  for (const row of rows) {
    const serviceAccount = `${row.namespace}/${row.serviceAccount}`;
    use(row.irsaRoleArn, { cluster: row.cluster, serviceAccount, via: 'irsa' });
    use(row.podIdentityRoleArn, { cluster: row.cluster, serviceAccount, via: 'pod-identity' });
  }
  const profileOf = new Map(profiles.map((p) => [p.arn, p]));
  return [...users.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([arn, roleUsers]) => {
      const role = findRole(catalog, arn);
      const profile = profileOf.get(arn);
      const account = /^arn:[^:]+:iam::(\d{12}):/.exec(arn)?.[1];
      const status = role ? 'ok' : account === catalog.accountId ? 'missing' : 'other-account';
      const size = role ? trustPolicySize(role.trustPolicy) : undefined;
      return {
        arn,
        name: arn.slice(arn.lastIndexOf('/') + 1),
        status,
        users: roleUsers,
        ...(role && size !== undefined
          ? {
              trust: {
                size,
                limit: catalog.trustPolicySizeLimit,
                headroom: catalog.trustPolicySizeLimit - size,
                podIdentity: trustsPodIdentity(role.trustPolicy),
                oidcIssuers: new Set(role.trustPolicy.Statement.flatMap(federatedIssuers)).size,
              },
            }
          : {}),
        ...(profile?.policy ? { policy: profile.policy } : {}),
        ...(profile?.principalTags ? { principalTags: profile.principalTags } : {}),
        ...(profile?.tags !== undefined ? { tags: profile.tags } : {}),
        ...(profile?.error ? { error: profile.error } : {}),
      };
    });
}

function countBy<K extends string>(keys: readonly K[], values: K[]): Record<K, number> {
  const counts = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  for (const value of values) counts[value] += 1;
  return counts;
}

export function buildFleetReport(input: FleetReportInput): FleetReport {
  const scans = input.clusters.flatMap((c) => ('scan' in c ? [c.scan] : []));
  const failed = input.clusters.filter((c) => 'error' in c);
  const catalog = input.catalog ?? EMPTY_CATALOG;
  const findings = detectDrift({
    clusters: scans,
    catalog,
    complete: input.scope.complete && failed.length === 0 && input.catalog !== undefined,
    ...(input.kubeContexts ? { kubeContexts: input.kubeContexts } : {}),
  });
  const rows = scans.flatMap((scan) => scan.serviceAccounts.map((sa) => rowOf(scan, sa, findings)));
  if (input.migrations.available) {
    for (const row of rows) {
      row.migrations = input.migrations.running
        .filter(
          (m) => m.serviceAccount === `${row.namespace}/${row.serviceAccount}` && m.clusters.includes(row.cluster),
        )
        .map((m) => ({
          workflowId: m.workflowId,
          runId: m.runId,
          ...(m.campaignId === undefined ? {} : { campaignId: m.campaignId }),
        }));
    }
  }
  const roles = roleSummaries(rows, catalog, input.profiles);
  const keys = findings.map((f) => f.key);
  // While a cluster is unreadable its findings are missing, not fixed: keep the last scan's
  // keys, or they would come back as new once it answers again.
  const known = failed.length > 0 ? [...new Set([...keys, ...(input.previousKeys ?? [])])] : keys;
  const previous = new Set(input.previousKeys ?? []);
  return {
    scannedAt: input.scannedAt,
    scope: input.scope,
    clusters: input.clusters.map((c) =>
      'scan' in c
        ? { cluster: c.cluster, status: 'scanned', findings: c.scan.findings, counts: c.scan.counts }
        : { cluster: c.cluster, status: 'failed', error: c.error, findings: [] },
    ),
    rows,
    roles,
    findings,
    summary: {
      serviceAccounts: rows.length,
      states: countBy(
        INVENTORY_STATES,
        rows.map((r) => r.state),
      ),
      findings: countBy(
        DRIFT_SEVERITIES,
        findings.map((f) => f.severity),
      ),
      roles: roles.length,
    },
    migrationLookup: {
      available: input.migrations.available,
      ...(input.migrations.note ? { note: input.migrations.note } : {}),
    },
    notes: input.catalogError ? [`IAM could not be read, role checks skipped: ${input.catalogError}`] : [],
    knownFindingKeys: known.sort(),
    ...(input.previousKeys === undefined ? {} : { newFindingKeys: keys.filter((k) => !previous.has(k)) }),
  };
}

/** The previous report's keys, from whatever `workflowInfo().lastResult` holds. */
export function knownKeysOf(lastResult: unknown): string[] | undefined {
  if (lastResult === null || typeof lastResult !== 'object') return undefined;
  const keys = (lastResult as { knownFindingKeys?: unknown }).knownFindingKeys;
  return Array.isArray(keys) && keys.every((k) => typeof k === 'string') ? keys : undefined;
}

/** Other service accounts and clusters that share the row's role(s). */
export function sharedWith(report: FleetReport, row: InventoryRow): { serviceAccounts: string[]; clusters: string[] } {
  const self = `${row.namespace}/${row.serviceAccount}`;
  const arns = [row.irsaRoleArn, row.podIdentityRoleArn].filter((a): a is string => a !== undefined);
  const users = report.roles.filter((r) => arns.includes(r.arn)).flatMap((r) => r.users);
  return {
    serviceAccounts: [...new Set(users.filter((u) => u.serviceAccount !== self).map((u) => u.serviceAccount))].sort(),
    clusters: [...new Set(users.filter((u) => u.cluster !== row.cluster).map((u) => u.cluster))].sort(),
  };
}

/**
 * Temporal refuses a payload over 2 MB (its default blob limit): the report, a workflow
 * result, stays under this many characters of JSON.
 */
export const REPORT_SIZE_BUDGET = 1_500_000;

const quiet = (row: InventoryRow) =>
  (row.state === 'irsa' || row.state === 'pod-identity') &&
  row.drift.length === 0 &&
  row.migrations.length === 0 &&
  row.blockers.length === 0;

/**
 * The report cut to fit the budget: rows with nothing to say (healthy, no drift, no
 * migration) go first, then the fix documents. The summary still counts everything, and a
 * note says what was left out. A first slice's limit: a store for big fleets' reports lifts it.
 */
export function fitReport(report: FleetReport, budget = REPORT_SIZE_BUDGET): FleetReport {
  let size = JSON.stringify(report).length;
  if (size <= budget) return report;
  const fitted: FleetReport = {
    ...report,
    rows: [...report.rows],
    roles: [...report.roles],
    findings: [...report.findings],
    notes: [...report.notes],
  };
  const cutNote = (count: number, what: string) =>
    `${count} ${what} left out to fit Temporal's payload limit: scan fewer clusters or one namespace to see them`;
  let omitted = 0;
  const kept: InventoryRow[] = [];
  for (let i = fitted.rows.length - 1; i >= 0; i--) {
    const row = fitted.rows[i] as InventoryRow;
    if (size > budget && quiet(row)) {
      size -= JSON.stringify(row).length + 1;
      omitted += 1;
    } else kept.push(row);
  }
  fitted.rows = kept.reverse();
  if (omitted > 0) fitted.notes.push(cutNote(omitted, 'healthy row(s) without drift'));
  if (omitted > 0 && size > budget) {
    // The roles only those rows used go with them.
    const used = new Set<string | undefined>([
      ...fitted.rows.flatMap((r) => [r.irsaRoleArn, r.podIdentityRoleArn]),
      ...fitted.findings.map((f) => f.roleArn),
    ]);
    const roles = fitted.roles.filter((r) => used.has(r.arn));
    if (roles.length < fitted.roles.length) {
      fitted.notes.push(cutNote(fitted.roles.length - roles.length, 'role(s) only those rows use'));
      fitted.roles = roles;
    }
    size = JSON.stringify(fitted).length;
  }
  if (size > budget) {
    fitted.findings = fitted.findings.map((f) => ({
      ...f,
      fix: f.fix.map((c) => (c.length > 300 ? `${c.slice(0, 300)}…` : c)),
    }));
    fitted.notes.push(
      'fix commands shortened to fit the payload limit: `migrate-identity drift --namespace …` shows them whole',
    );
    size = JSON.stringify(fitted).length;
  }
  // Still over: a result Temporal refuses would fail the scan on every try. The role
  // summaries, the rows, then the findings are cut from the end (what is broken matters
  // most); the summary and the known keys still cover everything.
  for (const [items, what] of [
    [fitted.roles, 'more role(s)'],
    [fitted.rows, 'more row(s)'],
    [fitted.findings, 'more finding(s)'],
  ] as const) {
    if (size <= budget) break;
    // Room for the note too: its longest form, with every item cut.
    const room = cutNote(items.length, what).length + 3;
    let cut = 0;
    for (; items.length > 0 && size + room > budget; cut++) size -= JSON.stringify(items.pop()).length + 1;
    if (cut > 0) {
      fitted.notes.push(cutNote(cut, what));
      size += cutNote(cut, what).length + 3;
    }
  }
  return fitted;
}
