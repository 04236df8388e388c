import { checkMark, type Diagnosis } from '../../src/domain/diagnosis.js';
import type { KnownBlock, SlackMessage } from './block-kit.js';
import { code, context, escape, header, section, sectionsOf } from './format.js';
import { LIMITS } from './limits.js';

const MARK: Record<Diagnosis['rows'][number]['status'], string> = {
  pass: ':white_check_mark:',
  fail: ':x:',
  warn: ':warning:',
  skip: ':heavy_minus_sign:',
};

/** The immediate answer to `/migrate-identity diagnose`: started, and where to watch it. */
export function diagnosisStartedReply(serviceAccount: string, clusters: string[], url: string): SlackMessage {
  return {
    text: `Diagnosing ${serviceAccount}`,
    blocks: [
      section(
        `:stethoscope: Diagnosing ${code(serviceAccount)} in ${clusters.map((c) => escape(c)).join(', ')}: the matrix follows here in a minute or two. <${url}|Open in Temporal UI>`,
      ),
    ],
  };
}

/**
 * The matrix: per cluster, a line per check with its mark and reason, and the next command
 * under anything not passing. Within Slack's limits whatever the size (long lines cut).
 */
export function diagnosisReply(diagnosis: Diagnosis, url: string): SlackMessage {
  const { summary } = diagnosis;
  const title = `${diagnosis.serviceAccount}: ${summary.fail} failing, ${summary.warn} warning, ${summary.pass} passing`;
  const blocks: KnownBlock[] = [header(`Diagnosis of ${diagnosis.serviceAccount}`)];
  const perCluster = Math.max(1, Math.floor((LIMITS.blocksPerMessage - 3) / Math.max(1, diagnosis.clusters.length)));
  for (const cluster of diagnosis.clusters) {
    const lines = [`*${escape(cluster)}*`];
    for (const row of diagnosis.rows.filter((r) => r.cluster === cluster)) {
      lines.push(`${MARK[row.status]} *${row.check}* ${escape(row.reason)}`);
      if (row.next && row.status !== 'pass') lines.push(`      next: ${code(row.next)}`);
    }
    blocks.push(...sectionsOf(lines, perCluster));
  }
  blocks.push(
    context(
      `${checkMark('pass')} ${summary.pass}  ${checkMark('fail')} ${summary.fail}  ${checkMark('warn')} ${summary.warn}  ${checkMark('skip')} ${summary.skip} · <${url}|the run in Temporal UI>`,
    ),
  );
  return { text: title, blocks: blocks.slice(0, LIMITS.blocksPerMessage) };
}
