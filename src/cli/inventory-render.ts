/** The fleet report as a table, CSV, or a drift listing with the fix commands. */
import { DRIFT_SEVERITIES, type DriftFinding } from '../domain/drift.js';
import { sharedWith, type FleetReport, type InventoryRow, type RoleSummary } from '../domain/fleet-report.js';
import { describeBreadth } from '../domain/role-profile.js';

function primaryRole(report: FleetReport, row: InventoryRow): RoleSummary | undefined {
  const arn = row.podIdentityRoleArn ?? row.irsaRoleArn;
  return report.roles.find((r) => r.arn === arn);
}

const roleName = (arn: string | undefined) => (arn === undefined ? '' : arn.slice(arn.lastIndexOf('/') + 1));

function roleCell(row: InventoryRow): string {
  const irsa = roleName(row.irsaRoleArn);
  const podIdentity = roleName(row.podIdentityRoleArn);
  if (irsa && podIdentity && irsa !== podIdentity) return `${irsa} → ${podIdentity}`;
  return podIdentity || irsa || '-';
}

function sharedCell(report: FleetReport, row: InventoryRow): string {
  const shared = sharedWith(report, row);
  if (shared.serviceAccounts.length === 0 && shared.clusters.length === 0) return '-';
  return `${shared.serviceAccounts.length} SA, ${shared.clusters.length} cluster(s)`;
}

function podsCell(row: InventoryRow): string {
  const { total, irsa, podIdentity, staticKeys } = row.pods;
  const paths = [
    irsa ? `${irsa} IRSA` : '',
    podIdentity ? `${podIdentity} PI` : '',
    staticKeys ? `${staticKeys} keys` : '',
  ].filter(Boolean);
  return paths.length ? `${total} (${paths.join(', ')})` : String(total);
}

function workloadsCell(row: InventoryRow): string {
  const [first, ...rest] = row.workloads;
  if (first === undefined) return '-';
  return rest.length ? `${first} +${rest.length}` : first;
}

/** Columns padded to their widest cell. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function countsLine(counts: Record<string, number>): string {
  return (
    Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ') || 'none'
  );
}

export function renderInventory(report: FleetReport): string {
  const header = [
    'CLUSTER',
    'SERVICE ACCOUNT',
    'STATE',
    'ROLE',
    'SHARED WITH',
    'TRUST LEFT',
    'POLICY',
    'PRINCIPAL TAGS',
    'WORKLOADS',
    'PODS',
    'MIGRATION',
  ];
  const rows = report.rows.map((row) => {
    const role = primaryRole(report, row);
    return [
      row.cluster,
      `${row.namespace}/${row.serviceAccount}`,
      row.state,
      roleCell(row),
      sharedCell(report, row),
      role?.trust ? String(role.trust.headroom) : '-',
      role?.policy ? describeBreadth(role.policy) : role?.status === 'missing' ? 'role missing' : '-',
      role?.principalTags?.keys.join(',') || '-',
      workloadsCell(row),
      podsCell(row),
      row.migrations.map((m) => `${m.workflowId}${m.campaignId ? ` (campaign ${m.campaignId})` : ''}`).join(',') || '-',
    ];
  });
  const lines = report.rows.length ? table(header, rows) : ['no service account uses AWS credentials'];
  const why = report.rows.filter((r) => r.reasons.length > 0);
  if (why.length) {
    lines.push('', 'why:');
    for (const row of why)
      lines.push(`  ${row.cluster} ${row.namespace}/${row.serviceAccount}: ${row.reasons.join('; ')}`);
  }
  lines.push(
    '',
    `${report.summary.serviceAccounts} service account(s): ${countsLine(report.summary.states)}`,
    `drift: ${countsLine(report.summary.findings)}${report.findings.length ? ' (migrate-identity drift: evidence and fix commands)' : ''}`,
  );
  for (const c of report.clusters.filter((x) => x.status === 'failed'))
    lines.push(`cluster ${c.cluster} could not be read: ${c.error ?? ''}`);
  if (!report.migrationLookup.available) lines.push(`running migrations unknown: ${report.migrationLookup.note ?? ''}`);
  for (const note of report.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}

function csvField(value: string | number | boolean | undefined): string {
  const text = value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_COLUMNS = [
  'cluster',
  'namespace',
  'service_account',
  'state',
  'reasons',
  'irsa_role_arn',
  'pod_identity_role_arn',
  'shared_service_accounts',
  'shared_clusters',
  'trust_size',
  'trust_limit',
  'trust_headroom',
  'policy_actions',
  'policy_resources',
  'policy_wildcard_actions',
  'policy_all_resources',
  'policy_admin',
  'principal_tags',
  'unknown_principal_tags',
  'workloads',
  'controller_kinds',
  'pods',
  'pods_irsa',
  'pods_pod_identity',
  'pods_static_keys',
  'blockers',
  'drift',
  'migrations',
] as const;

/** RFC 4180: one header line, one line per row, `;` between list items. */
export function renderInventoryCsv(report: FleetReport): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of report.rows) {
    const role = primaryRole(report, row);
    const shared = sharedWith(report, row);
    const values: Record<(typeof CSV_COLUMNS)[number], string | number | boolean | undefined> = {
      cluster: row.cluster,
      namespace: row.namespace,
      service_account: row.serviceAccount,
      state: row.state,
      reasons: row.reasons.join('; '),
      irsa_role_arn: row.irsaRoleArn,
      pod_identity_role_arn: row.podIdentityRoleArn,
      shared_service_accounts: shared.serviceAccounts.join(';'),
      shared_clusters: shared.clusters.join(';'),
      trust_size: role?.trust?.size,
      trust_limit: role?.trust?.limit,
      trust_headroom: role?.trust?.headroom,
      policy_actions: role?.policy?.actions,
      policy_resources: role?.policy?.resources,
      policy_wildcard_actions: role?.policy?.wildcardActions.join(';'),
      policy_all_resources: role?.policy?.allResources,
      policy_admin: role?.policy?.admin,
      principal_tags: role?.principalTags?.keys.join(';'),
      unknown_principal_tags: role?.principalTags?.unknown.join(';'),
      workloads: row.workloads.join(';'),
      controller_kinds: row.controllerKinds.join(';'),
      pods: row.pods.total,
      pods_irsa: row.pods.irsa,
      pods_pod_identity: row.pods.podIdentity,
      pods_static_keys: row.pods.staticKeys,
      blockers: row.blockers.join(';'),
      drift: row.drift.join(';'),
      migrations: row.migrations.map((m) => m.workflowId).join(';'),
    };
    lines.push(CSV_COLUMNS.map((c) => csvField(values[c])).join(','));
  }
  return lines.join('\n');
}

function renderFinding(f: DriftFinding): string[] {
  const lines = [`[${f.severity}] ${f.kind}: ${f.message}`, ...f.evidence.map((e) => `  evidence: ${e}`)];
  if (f.fix.length) lines.push('  fix:', ...f.fix.map((c) => `    ${c}`));
  if (f.fixNote) lines.push(`  note: ${f.fixNote}`);
  return lines;
}

export function renderDrift(report: FleetReport): string {
  const counts = DRIFT_SEVERITIES.map((s) => `${report.summary.findings[s]} ${s}`).join(', ');
  const lines = [
    `drift in ${report.scope.clusters.join(', ')}${report.scope.namespace ? ` (namespace ${report.scope.namespace})` : ''}: ${counts}`,
  ];
  if (report.findings.length === 0) lines.push('no drift found');
  for (const f of report.findings) lines.push('', ...renderFinding(f));
  for (const c of report.clusters.filter((x) => x.status === 'failed'))
    lines.push('', `cluster ${c.cluster} could not be read: ${c.error ?? ''}`);
  if (!report.scope.complete)
    lines.push('', 'partial scan: roles trusted for Pod Identity with no association are not checked');
  for (const note of report.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}
