/**
 * Risk slices: the inventory's migratable service accounts in waves, lowest blast radius
 * first. A role of its own, a narrow policy, few workloads and non-production clusters go
 * early; shared roles, broken and blocked service accounts go last, flagged. Every item
 * says why it is where it is. Pure: the CLI, Slack and campaigns build it from a report.
 */
import { namespaceRule, productionOf, type CampaignPolicy, NO_POLICY } from './campaign-policy.js';
import type { FleetReport, InventoryRow, RoleSummary } from './fleet-report.js';
import { describeBreadth } from './role-profile.js';
import type { ServiceAccountRef } from './types.js';

export type SliceFlag = 'shared-role' | 'broken' | 'blocked';

/** What the placement looked at, for sorting and for `--json` readers. */
export interface RiskFacts {
  productionClusters: string[];
  /** Other service accounts (`namespace/name`) whose pods use the role. */
  sharedWith: string[];
  /** The role's policy breadth; unset when IAM could not be read for it. */
  actions?: number;
  wildcardActions?: number;
  allResources?: boolean;
  admin?: boolean;
  /** The most workloads it has in any one cluster. */
  workloads: number;
  pods: number;
}

/** One service account to migrate: one migration run, its clusters in migration order. */
export interface SliceItem {
  serviceAccount: ServiceAccountRef;
  roleArn: string;
  /** The canary first, then the other non-production clusters, then production. */
  clusters: string[];
  wave: number;
  /** Why it is in this wave. */
  reasons: string[];
  flags: SliceFlag[];
  /** Set when a policy rule put it in its wave. */
  pinned?: boolean;
  risk: RiskFacts;
}

export interface Wave {
  wave: number;
  title: string;
  items: SliceItem[];
}

/** A service account the waves leave out, and why. */
export interface ExcludedServiceAccount {
  serviceAccount: string;
  clusters: string[];
  reason: string;
}

export interface Slices {
  scannedAt: string;
  waves: Wave[];
  excluded: ExcludedServiceAccount[];
  /** What the slices cannot see (unreadable clusters, IAM). */
  notes: string[];
}

/** At most this many allowed actions, none wildcarded, no `Resource: *`: a narrow policy. */
export const NARROW_ACTIONS = 10;
/** At most this many workloads in any one cluster: few workloads. */
export const FEW_WORKLOADS = 2;

/**
 * The risk tiers, in order. A policy pin uses the same numbers (or larger ones, after the
 * flagged tier); waves nothing falls into are skipped and the rest numbered 1, 2, 3….
 */
export const TIERS: Record<number, string> = {
  1: 'lowest blast radius: non-production, a role of its own, narrow policy, few workloads',
  2: 'non-production, broader policy or more workloads',
  3: 'production, a role of its own, narrow policy, few workloads',
  4: 'production, broader policy or more workloads',
  5: 'flagged: shared roles, broken or blocked service accounts; check each before approving',
};
const FLAGGED_TIER = 5;

const MIGRATABLE_STATES = new Set<InventoryRow['state']>(['irsa', 'both', 'broken']);

const nameOf = (row: InventoryRow) => `${row.namespace}/${row.serviceAccount}`;
const roleNameOf = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function listed(names: string[], max = 3): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

interface Candidate {
  item: Omit<SliceItem, 'wave'>;
  tier: number;
}

/** Canary, non-production, production; the scan's order within each. */
function migrationOrder(clusters: string[], policy: CampaignPolicy, scanOrder: string[]): string[] {
  const rank = (cluster: string) => (cluster === policy.canary ? 0 : productionOf(policy, cluster).production ? 2 : 1);
  return [...clusters].sort(
    (a, b) => rank(a) - rank(b) || scanOrder.indexOf(a) - scanOrder.indexOf(b) || a.localeCompare(b),
  );
}

function excludedFor(rows: InventoryRow[], reason: string): ExcludedServiceAccount {
  return { serviceAccount: nameOf(rows[0] as InventoryRow), clusters: rows.map((r) => r.cluster), reason };
}

/** Why rows that stay out of the migration do. */
function leftOutReason(row: InventoryRow): string {
  if (row.state === 'pod-identity') return `${row.cluster}: already on Pod Identity`;
  if (!row.irsaRoleArn) return `${row.cluster}: ${row.state}, no IRSA annotation to migrate from`;
  return `${row.cluster}: ${row.state}${row.reasons.length ? `: ${row.reasons.join('; ')}` : ''}`;
}

function policyFacts(
  role: RoleSummary | undefined,
): Pick<RiskFacts, 'actions' | 'wildcardActions' | 'allResources' | 'admin'> {
  const policy = role?.policy;
  if (!policy) return {};
  return {
    actions: policy.actions,
    wildcardActions: policy.wildcardActions.length,
    allResources: policy.allResources,
    admin: policy.admin,
  };
}

function candidateOf(
  report: FleetReport,
  rows: InventoryRow[],
  policy: CampaignPolicy,
): Candidate | ExcludedServiceAccount | undefined {
  const first = rows[0] as InventoryRow;
  const name = nameOf(first);
  const running = rows.flatMap((r) => r.migrations.map((m) => m.workflowId));
  if (running.length > 0) return excludedFor(rows, `a migration is running: ${[...new Set(running)].join(', ')}`);
  const movable = rows.filter((r) => MIGRATABLE_STATES.has(r.state) && r.irsaRoleArn !== undefined);
  const stay = rows.filter((r) => !movable.includes(r));
  if (movable.length === 0) {
    if (stay.every((r) => r.state === 'pod-identity')) return undefined;
    return excludedFor(rows, `nothing to migrate: ${stay.map(leftOutReason).join('; ')}`);
  }
  const rule = namespaceRule(policy, first.namespace);
  if (rule?.keepIrsa) {
    return excludedFor(
      rows,
      `policy keeps namespace ${first.namespace} on IRSA${rule.reason ? `: ${rule.reason}` : ''}`,
    );
  }
  const roles = [...new Set(movable.map((r) => r.irsaRoleArn as string))];
  if (roles.length > 1) {
    const where = roles.map(
      (arn) =>
        `${roleNameOf(arn)} in ${movable
          .filter((r) => r.irsaRoleArn === arn)
          .map((r) => r.cluster)
          .join(', ')}`,
    );
    return excludedFor(
      movable,
      `annotated with different roles (${where.join('; ')}): one migration moves one role, align the annotations first`,
    );
  }
  const roleArn = roles[0] as string;
  const role = report.roles.find((r) => r.arn === roleArn);
  const clusters = migrationOrder(
    movable.map((r) => r.cluster),
    policy,
    report.scope.clusters,
  );
  const production = clusters.filter((c) => productionOf(policy, c).production);
  const sharedWith = [...new Set((role?.users ?? []).map((u) => u.serviceAccount).filter((sa) => sa !== name))].sort();
  const workloads = Math.max(...movable.map((r) => r.workloads.length));
  const risk: RiskFacts = {
    productionClusters: production,
    sharedWith,
    ...policyFacts(role),
    workloads,
    pods: movable.reduce((n, r) => n + r.pods.total, 0),
  };

  const reasons: string[] = [];
  const flags: SliceFlag[] = [];
  if (production.length > 0) {
    const by = productionOf(policy, production[0] as string).by === 'policy' ? 'policy' : 'name';
    reasons.push(`production: ${production.join(', ')} (by ${by})`);
  } else {
    reasons.push(`non-production only: ${clusters.join(', ')}`);
  }
  if (policy.canary && clusters[0] === policy.canary) reasons.push(`canary ${policy.canary} first`);
  if (sharedWith.length > 0) {
    flags.push('shared-role');
    reasons.push(
      `role ${roleNameOf(roleArn)} shared with ${plural(sharedWith.length, 'other service account')}: ${listed(sharedWith)}`,
    );
  } else {
    reasons.push(`role ${roleNameOf(roleArn)} used by this service account only`);
  }
  const broken = movable.filter((r) => r.state === 'broken');
  if (broken.length > 0 || role?.status === 'missing') {
    flags.push('broken');
    for (const r of broken) reasons.push(`broken in ${r.cluster}: ${r.reasons.join('; ')}`);
    if (role?.status === 'missing') reasons.push(`role ${roleNameOf(roleArn)} does not exist`);
  }
  const blocked = movable.filter((r) => r.blockers.length > 0);
  if (blocked.length > 0) {
    flags.push('blocked');
    reasons.push(
      `preflight would stop it: ${blocked.map((r) => `${r.blockers.join(', ')} in ${r.cluster}`).join('; ')}`,
    );
  }
  const narrow =
    role?.policy !== undefined &&
    !role.policy.admin &&
    role.policy.wildcardActions.length === 0 &&
    !role.policy.allResources &&
    role.policy.actions <= NARROW_ACTIONS;
  if (role?.policy) reasons.push(`${narrow ? 'narrow' : 'broad'} policy: ${describeBreadth(role.policy)}`);
  else
    reasons.push(
      `policy unknown${role?.error ? ` (${role.error})` : role?.status === 'other-account' ? ' (role in another account)' : ''}`,
    );
  const few = workloads <= FEW_WORKLOADS;
  reasons.push(
    `${few ? 'few' : 'many'} workloads: ${plural(workloads, 'workload')} at most per cluster, ${plural(risk.pods, 'pod')}`,
  );
  const leftOut = stay.filter((r) => r.state !== 'pod-identity');
  if (leftOut.length > 0) reasons.push(`left out: ${leftOut.map(leftOutReason).join('; ')}`);

  const computed = flags.length > 0 ? FLAGGED_TIER : (production.length > 0 ? 3 : 1) + (narrow && few ? 0 : 1);
  const pinned = rule?.wave !== undefined;
  if (pinned) reasons.unshift(`pinned to wave ${rule.wave} by policy${rule.reason ? `: ${rule.reason}` : ''}`);
  return {
    tier: rule?.wave ?? computed,
    item: {
      serviceAccount: { namespace: first.namespace, name: first.serviceAccount },
      roleArn,
      clusters,
      reasons,
      flags,
      ...(pinned ? { pinned: true } : {}),
      risk,
    },
  };
}

/** Lower first: fewer users of the role, less production, a narrower policy, fewer workloads. */
function byBlastRadius(a: SliceItem, b: SliceItem): number {
  const ra = a.risk;
  const rb = b.risk;
  const unknown = (r: RiskFacts) => (r.actions === undefined ? 1 : 0);
  return (
    a.flags.length - b.flags.length ||
    ra.sharedWith.length - rb.sharedWith.length ||
    ra.productionClusters.length - rb.productionClusters.length ||
    Number(ra.admin ?? false) - Number(rb.admin ?? false) ||
    unknown(a.risk) - unknown(b.risk) ||
    (ra.wildcardActions ?? 0) - (rb.wildcardActions ?? 0) ||
    Number(ra.allResources ?? false) - Number(rb.allResources ?? false) ||
    (ra.actions ?? 0) - (rb.actions ?? 0) ||
    ra.workloads - rb.workloads ||
    ra.pods - rb.pods ||
    a.clusters.length - b.clusters.length ||
    a.serviceAccount.namespace.localeCompare(b.serviceAccount.namespace) ||
    a.serviceAccount.name.localeCompare(b.serviceAccount.name)
  );
}

/** The waves of a report under a policy (none: names decide what is production). */
export function buildSlices(report: FleetReport, policy: CampaignPolicy = NO_POLICY): Slices {
  const groups = new Map<string, InventoryRow[]>();
  for (const row of report.rows) groups.set(nameOf(row), [...(groups.get(nameOf(row)) ?? []), row]);
  const tiers = new Map<number, SliceItem[]>();
  const excluded: ExcludedServiceAccount[] = [];
  for (const rows of [...groups.values()]) {
    const outcome = candidateOf(report, rows, policy);
    if (outcome === undefined) continue;
    if ('reason' in outcome) {
      excluded.push(outcome);
      continue;
    }
    tiers.set(outcome.tier, [...(tiers.get(outcome.tier) ?? []), { ...outcome.item, wave: 0 }]);
  }
  const waves = [...tiers.entries()]
    .sort(([a], [b]) => a - b)
    .map(([tier, items], index): Wave => {
      const wave = index + 1;
      const computed = items.some((i) => !i.pinned);
      return {
        wave,
        title: computed ? (TIERS[tier] ?? 'pinned by policy') : 'pinned by policy',
        items: items.sort(byBlastRadius).map((item) => ({ ...item, wave })),
      };
    });
  const failed = report.clusters.filter((c) => c.status === 'failed').map((c) => c.cluster);
  return {
    scannedAt: report.scannedAt,
    waves,
    excluded: excluded.sort((a, b) => a.serviceAccount.localeCompare(b.serviceAccount)),
    notes: [
      ...(failed.length > 0 ? [`unreadable clusters left out: ${failed.join(', ')}`] : []),
      ...(report.scope.complete
        ? []
        : [
            `a partial scan (${report.scope.namespace ? `namespace ${report.scope.namespace}` : report.scope.clusters.join(', ')}): a role's users outside it are not seen, so a shared role may look like one of its own`,
          ]),
      ...report.notes,
    ],
  };
}

/** Every item of the slices, wave by wave. */
export function sliceItems(slices: Slices): SliceItem[] {
  return slices.waves.flatMap((w) => w.items);
}
