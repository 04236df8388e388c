import { checkMark, DIAGNOSIS_CHECKS, type Diagnosis } from '../domain/diagnosis.js';

const CHECK_WIDTH = Math.max(...DIAGNOSIS_CHECKS.map((c) => c.length));

/** The matrix as text: a block per cluster, a line per check (✓ ✗ ! −), the next command under a failing one. */
export function renderDiagnosis(diagnosis: Diagnosis, url?: string): string {
  const { summary } = diagnosis;
  const lines = [
    `${diagnosis.serviceAccount}: ${diagnosis.clusters.length} cluster(s): ${summary.fail} failing, ${summary.warn} warning, ${summary.pass} passing, ${summary.skip} not applicable`,
  ];
  if (url) lines.push(`run: ${url}`);
  for (const cluster of diagnosis.clusters) {
    lines.push(cluster);
    for (const row of diagnosis.rows.filter((r) => r.cluster === cluster)) {
      lines.push(`  ${checkMark(row.status)} ${row.check.padEnd(CHECK_WIDTH)}  ${row.reason}`);
      if (row.next && row.status !== 'pass') lines.push(`      next: ${row.next}`);
    }
  }
  return lines.join('\n');
}
