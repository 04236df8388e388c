import { reusedRoleLabel, type RoleReuseReport } from '../domain/role-reuse.js';

const MARK = { allowed: 'allow', explicitDeny: 'DENY', implicitDeny: 'deny' } as const;

/**
 * The allow/deny matrix of the role reuse check: a column per action and resource, a row
 * per service account whose sessions were simulated (the migrating one first).
 */
export function renderRoleReuse(report: RoleReuseReport | undefined): string[] {
  if (report === undefined) return [];
  const lines: string[] = [];
  const users = report.sharedWith.map((u) => `${u.namespace}/${u.serviceAccount} (${u.cluster})`);
  lines.push(
    `role reuse: ${report.targetRoleArn === undefined ? report.roleArn.slice(report.roleArn.lastIndexOf('/') + 1) : reusedRoleLabel(report)} ${users.length > 0 ? `is shared with ${users.join(', ')}` : 'has no other association in the fleet'}${report.accepted ? ` (accepted by ${report.accepted.by})` : ''}`,
  );
  if (report.matrix.length === 0) return lines;
  const columns = report.simulated.pairs.map((p, i) => ({ ...p, label: `[${i + 1}]` }));
  for (const c of columns) lines.push(`  ${c.label} ${c.action} on ${c.resource}`);
  const names = report.matrix.map(
    (r) => `${r.namespace}/${r.serviceAccount}${r.intended ? ' (migrating)' : ` (${r.cluster})`}`,
  );
  const width = Math.max(...names.map((n) => n.length));
  lines.push(`  ${''.padEnd(width)}  ${columns.map((c) => c.label.padEnd(5)).join(' ')}`.trimEnd());
  report.matrix.forEach((row, i) => {
    const cells = row.cells.map((cell) => MARK[cell.decision].padEnd(5));
    lines.push(`  ${(names[i] ?? '').padEnd(width)}  ${cells.join(' ')}`.trimEnd());
  });
  if (report.simulated.notSimulated.length > 0) {
    lines.push(`  not simulated: ${report.simulated.notSimulated.join(', ')}`);
  }
  return lines;
}
