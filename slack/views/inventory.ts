/**
 * The fleet view in Slack: the `/migrate-identity inventory` summary, the App Home
 * overview, and the channel message for new drift. Pure builders over a scan's report.
 */
import type { DriftFinding, DriftSeverity } from '../../src/domain/drift.js';
import type { FleetReport, InventoryState } from '../../src/domain/fleet-report.js';
import type { DriftPost } from '../../src/ports/drift-notifier.js';
import type { KnownBlock, SlackMessage } from './block-kit.js';
import { code, context, escape, header, section, sectionsOf, slackDate, truncate } from './format.js';

/** What the views need of a finished scan: its report and where to read the rest. */
export interface ScanView {
  report: FleetReport;
  /** The scan's run in the Temporal UI: its result is the full report. */
  url: string;
}

const STATE_LABEL: Record<InventoryState, string> = {
  broken: ':rotating_light: broken',
  irsa: ':key: IRSA',
  both: ':twisted_rightwards_arrows: both (mid-migration)',
  'pod-identity': ':white_check_mark: Pod Identity',
  'not-migratable': ':no_entry_sign: not migratable',
  unmanaged: ':grey_question: hand-set credentials',
};

const SEVERITY_LABEL: Record<DriftSeverity, string> = {
  broken: ':rotating_light: broken now',
  risk: ':warning: risk',
  cleanup: ':broom: cleanup',
};

const MAX_FINDINGS = 8;
const HOME_MAX_FINDINGS = 15;
const TRUST_HEADROOM_WARNING = 300;

function stateLine(report: FleetReport): string {
  const parts = Object.entries(report.summary.states)
    .filter(([, count]) => count > 0)
    .map(([state, count]) => `${STATE_LABEL[state as InventoryState]} *${count}*`);
  return parts.length ? parts.join('  ·  ') : 'no service account uses AWS credentials';
}

function driftLine(report: FleetReport): string {
  const parts = Object.entries(report.summary.findings)
    .filter(([, count]) => count > 0)
    .map(([severity, count]) => `${SEVERITY_LABEL[severity as DriftSeverity]} *${count}*`);
  return parts.length ? parts.join('  ·  ') : ':white_check_mark: no drift';
}

export function findingLine(f: DriftFinding): string {
  return `• ${SEVERITY_LABEL[f.severity]} ${escape(f.message)}`;
}

function findingLines(findings: DriftFinding[], max: number): string[] {
  const lines = findings.slice(0, max).map(findingLine);
  if (findings.length > max) lines.push(`… and ${findings.length - max} more`);
  return lines;
}

function scanContext(view: ScanView): KnownBlock {
  const { report } = view;
  const failed = report.clusters.filter((c) => c.status === 'failed').map((c) => c.cluster);
  const unreadable = failed.length ? ` · :x: unreadable: ${failed.map(escape).join(', ')}` : '';
  return context(
    `Scanned ${slackDate(report.scannedAt)} · ${report.clusters.length} cluster(s)${unreadable} · <${view.url}|full report in Temporal UI>`,
  );
}

/** `/migrate-identity inventory`: counts, what is broken, and the link to the rest. */
export function inventorySummaryReply(view: ScanView): SlackMessage {
  const { report } = view;
  const urgent = report.findings.filter((f) => f.severity !== 'cleanup');
  const blocks: KnownBlock[] = [
    header(`Fleet inventory: ${report.summary.serviceAccounts} service account(s)`),
    section(`${stateLine(report)}\n*Drift* ${driftLine(report)}`),
    ...(urgent.length ? sectionsOf(findingLines(urgent, MAX_FINDINGS), 3) : []),
    scanContext(view),
    context(`Details and fix commands: ${code('migrate-identity inventory')} and ${code('migrate-identity drift')}`),
  ];
  return { text: `Fleet inventory: ${report.summary.serviceAccounts} service account(s)`, blocks };
}

/** No finished scan yet: one was started. */
export function scanStartedReply(url: string): SlackMessage {
  return {
    text: 'No fleet scan yet: started one',
    blocks: [
      section(
        `:mag: No fleet scan has finished yet, so one just started. Ask again in a minute, or <${url}|follow it in Temporal UI>.`,
      ),
    ],
  };
}

function clusterLines(report: FleetReport): string[] {
  return report.clusters.map((c) => {
    if (c.status === 'failed') return `• :x: *${escape(c.cluster)}*: could not be read (${escape(c.error ?? '')})`;
    const rows = report.rows.filter((r) => r.cluster === c.cluster);
    const broken = rows.filter((r) => r.state === 'broken').length;
    // An association wins over the annotation: `both` rows run on Pod Identity too.
    const onPodIdentity = rows.filter((r) => r.state === 'pod-identity' || r.state === 'both').length;
    return `• *${escape(c.cluster)}*: ${rows.length} service account(s), ${onPodIdentity} on Pod Identity${broken ? `, :rotating_light: ${broken} broken` : ''}`;
  });
}

function tightRoles(report: FleetReport): string[] {
  return report.roles
    .filter((r) => r.trust !== undefined && r.trust.headroom < TRUST_HEADROOM_WARNING)
    .map((r) => `• ${code(r.name)}: ${r.trust?.size ?? 0} of ${r.trust?.limit ?? 0} trust-policy characters used`);
}

/** The App Home tab: the fleet at a glance, from the last scan. */
export function fleetHomeView(view: ScanView | undefined): { type: 'home'; blocks: KnownBlock[] } {
  if (!view) {
    return {
      type: 'home',
      blocks: [
        header('Fleet overview'),
        section(
          'No fleet scan has finished yet. Scans run on a Schedule (daily by default); `/migrate-identity inventory` starts one now.',
        ),
      ],
    };
  }
  const { report } = view;
  const migrating = report.rows.filter((r) => r.migrations.length > 0);
  const tight = tightRoles(report);
  const blocks: KnownBlock[] = [
    header('Fleet overview'),
    scanContext(view),
    section(`*${report.summary.serviceAccounts} service account(s)* ${stateLine(report)}`),
    ...sectionsOf(['*Clusters*', ...clusterLines(report)], 5),
    section(`*Drift* ${driftLine(report)}`),
    ...(report.findings.length ? sectionsOf(findingLines(report.findings, HOME_MAX_FINDINGS), 5) : []),
    ...(tight.length ? sectionsOf(['*Roles near the trust-policy size limit*', ...tight.slice(0, 10)], 2) : []),
    ...(migrating.length
      ? sectionsOf(
          [
            '*Migrations running*',
            ...migrating
              .slice(0, 10)
              .map((r) => `• ${code(`${r.namespace}/${r.serviceAccount}`)} in ${escape(r.cluster)}`),
          ],
          2,
        )
      : []),
    ...(report.notes.length ? [context(report.notes.map(escape).join(' · '))] : []),
  ];
  return { type: 'home', blocks };
}

/** The App Home tab for someone the access policy does not let view the fleet: why, and nothing of it. */
export function fleetHomeRefusedView(refusal: string): { type: 'home'; blocks: KnownBlock[] } {
  return {
    type: 'home',
    blocks: [header('Fleet overview'), section(`:no_entry: ${escape(truncate(refusal, 2900))}`)],
  };
}

/** The drift channel: what a scheduled scan found that the previous one did not. */
export function newDriftMessage(post: DriftPost, url: string): SlackMessage {
  const broken = post.newFindings.filter((f) => f.severity === 'broken').length;
  const title = `${post.newFindings.length} new drift finding(s)${broken ? `, ${broken} broken now` : ''}`;
  const totals = Object.entries(post.totals)
    .filter(([, count]) => count > 0)
    .map(([severity, count]) => `${count} ${severity}`)
    .join(', ');
  const fixes = post.newFindings
    .filter((f) => f.severity === 'broken' && f.fix.length > 0)
    .slice(0, 3)
    .map((f) => `*${escape(f.message)}*\n\`\`\`${escape(f.fix.join('\n'))}\`\`\``);
  const blocks: KnownBlock[] = [
    header(`:rotating_light: ${title}`),
    ...sectionsOf(findingLines(post.newFindings, MAX_FINDINGS), 3),
    ...(fixes.length ? sectionsOf(['*Fix*', ...fixes], 3) : []),
    context(
      `Scan of ${slackDate(post.scannedAt)} · in all: ${totals || 'none'} · <${url}|evidence and fixes in Temporal UI>`,
    ),
  ];
  return { text: title, blocks };
}
