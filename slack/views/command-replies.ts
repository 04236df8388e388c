import { START_USAGE } from '../../src/start-request/parse.js';
import { describeAuditEntry } from '../../src/domain/audit.js';
import { digestOf } from '../../src/domain/migration-digest.js';
import type { MigrationPlan, MigrationState } from '../../src/domain/migration-state.js';
import type { MigrationInput } from '../../src/domain/types.js';
import type { MigrationSummary } from '../../src/temporal/migrations.js';
import type { KnownBlock, SlackMessage } from './block-kit.js';
import { findingLines } from './event-reply.js';
import { code, context, escape, header, mentions, section, sectionsOf, slackDate, truncate } from './format.js';
import { summaryBlocks } from './parent-message.js';

export const COMMAND = '/migrate-identity';

/** Ephemeral replies to `/migrate-identity`: what only the person who typed it sees. */
export function errorReply(message: string): SlackMessage {
  // The message may quote what was typed: kept short whatever its length.
  const shown = truncate(message, 1000);
  return { text: shown, blocks: [section(`:warning: ${escape(shown)}`)] };
}

export function helpReply(): SlackMessage {
  const lines = [
    `*${COMMAND}* migrates a service account from IRSA to EKS Pod Identity, one cluster at a time, with an approval before IRSA is cleaned up.`,
    `• \`${COMMAND}\` opens a form`,
    `• \`${COMMAND} ${escape(START_USAGE)}\` starts a migration`,
    `• \`${COMMAND} plan <namespace>/<service-account> --role <arn> --clusters a,b\` runs preflight only and shows what would change`,
    `• \`${COMMAND} status <namespace>/<service-account>\` shows where a migration stands`,
    `• \`${COMMAND} list\` lists running migrations`,
    `• \`${COMMAND} abort <namespace>/<service-account>\` stops a migration and rolls it back`,
    `• \`${COMMAND} pause|resume <namespace>/<service-account>\` holds a migration at its next step boundary, or lets it go on`,
    `• \`${COMMAND} campaign plan|start --waves 1,2 | --namespaces a,b-* | --service-accounts ns/a,ns/b\` migrates many service accounts wave by wave (lowest blast radius first; \`migrate-identity slices\` says why)`,
    `• \`${COMMAND} campaign status|approve|pause|resume|abort <id>\` follows and steers a campaign`,
    `• \`${COMMAND} diagnose <namespace>/<service-account> [--clusters a,b]\` checks why credentials fail, cluster by cluster`,
    `• \`${COMMAND} help\` shows this`,
    `Who may start, approve, abort and which \`--probe\` may run is set by the platform team's access policy; \`--approvers\` can only narrow the approvers it gives.`,
  ];
  return { text: `${COMMAND} help`, blocks: sectionsOf(lines, 5) };
}

export function startedReply(sa: string, url: string, input?: MigrationInput): SlackMessage {
  const blocks: KnownBlock[] = [
    section(
      `:rocket: Started the migration of ${code(sa)}. Progress is posted in this channel's thread. <${url}|Open in Temporal UI>`,
    ),
  ];
  if (input?.access) {
    const needed = input.options.minApprovals ?? 1;
    const probe = input.options.verifyProbe ? ` · probe \`${escape(input.options.verifyProbe)}\`` : '';
    blocks.push(
      context(
        `Access rule ${code(input.access.rule)}: ${needed} approval(s) needed from ${mentions(input.options.approvers.filter((a) => a !== input.requestedBy))}${probe}`,
      ),
    );
  }
  return { text: `Started the migration of ${sa}`, blocks };
}

const RECENT_STEPS = 8;
const RECENT_AUDIT = 10;

/** `status`: the parent message's summary plus the latest steps. */
export function statusReply(state: MigrationState, runUrl: string, note?: string): SlackMessage {
  const steps = state.clusters
    .flatMap((c) => c.steps.map((s) => ({ cluster: c.cluster, ...s })))
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
    .slice(-RECENT_STEPS)
    .map((s) => `• *${escape(s.cluster)}* ${s.step}: ${s.status}${s.detail ? ` (${escape(s.detail)})` : ''}`);
  const audit = (state.audit ?? []).slice(-RECENT_AUDIT).map((e) => `• ${escape(describeAuditEntry(e))}`);
  const blocks: KnownBlock[] = [
    ...(note ? [section(`:information_source: ${escape(note)}`)] : []),
    ...summaryBlocks(digestOf(state), runUrl),
    ...(steps.length ? sectionsOf(['*Latest steps*', ...steps], 3) : []),
    ...(audit.length ? sectionsOf(['*Audit trail* (latest)', ...audit], 2) : []),
  ];
  return { text: `${state.workflowId}: ${state.phase}`, blocks };
}

export function listReply(runs: readonly MigrationSummary[]): SlackMessage {
  if (runs.length === 0) return { text: 'No migrations are running.', blocks: [section('No migrations are running.')] };
  const lines = runs.map(
    (r) => `• <${r.url}|${escape(r.serviceAccount)}>: ${escape(r.phase)} · started ${slackDate(r.startTime)}`,
  );
  return {
    text: `${runs.length} running migration(s)`,
    blocks: [section(`*Running migrations (${runs.length})*`), ...sectionsOf(lines, 40)],
  };
}

export function abortReply(sa: string, url: string): SlackMessage {
  return {
    text: `Abort requested for ${sa}`,
    blocks: [
      section(
        `:octagonal_sign: Abort requested for ${code(sa)}: it stops at the next step boundary and rolls back. <${url}|Open in Temporal UI>`,
      ),
    ],
  };
}

export function controlReply(action: 'abort' | 'pause' | 'resume', sa: string, url: string): SlackMessage {
  if (action === 'abort') return abortReply(sa, url);
  const what =
    action === 'pause'
      ? `:double_vertical_bar: Pause requested for ${code(sa)}: it holds at the next step boundary.`
      : `:arrow_forward: Resume requested for ${code(sa)}.`;
  return {
    text: `${action === 'pause' ? 'Pause' : 'Resume'} requested for ${sa}`,
    blocks: [section(`${what} <${url}|Open in Temporal UI>`)],
  };
}

/** `plan`: preflight only, what a migration would change. */
export function planReply(plan: MigrationPlan): SlackMessage {
  const verdict = plan.blocked
    ? ':no_entry: *Blocked*: a migration would stop at preflight.'
    : ':white_check_mark: Preflight passes.';
  const scope = plan.trust.scope
    ? `, scoped to ${code(`${plan.trust.scope.namespace}/${plan.trust.scope.serviceAccount}`)} in ${plan.trust.scope.clusterArns.length || 'any'} cluster(s)`
    : '';
  const change = plan.trust.addPodIdentityStatement ? 'add' : plan.trust.widenStatement ? 'widen' : undefined;
  const trust = change
    ? `${change} the Pod Identity trust statement${scope} (policy ${plan.trust.sizeBefore} → ${plan.trust.sizeAfter} of ${plan.trust.limit} chars)`
    : 'the Pod Identity trust statement is already there';
  const clusterLines = plan.clusters.map((c) => {
    const target = c.association.targetRoleArn ? ` (target role ${code(c.association.targetRoleArn)})` : '';
    const association =
      (c.association.action === 'create'
        ? 'create association'
        : `reuse association ${escape(c.association.existingId ?? '')}`) + target;
    const workloads = c.workloadsToRestart.map((w) => `${w.kind}/${w.name}`);
    const shown = workloads.slice(0, 10).map(escape).join(', ');
    const more = workloads.length > 10 ? ` and ${workloads.length - 10} more` : '';
    const irsa = c.irsaAnnotation ? `IRSA annotation ${code(c.irsaAnnotation)}` : 'no IRSA annotation';
    return `• *${escape(c.cluster)}*: ${association}; restart ${workloads.length ? `${shown}${more}` : 'nothing'}; ${irsa}`;
  });
  const cleanup = plan.cleanup.keepIrsaTrust
    ? 'keep IRSA trust'
    : `remove IRSA trust for ${plan.cleanup.removeIrsaTrustForIssuers.length} issuer(s)`;
  const findings = findingLines(plan.findings);
  const blocks: KnownBlock[] = [
    header(`Plan: ${plan.serviceAccount}`),
    section(`${verdict}\n*Role* ${code(plan.roleArn)}: ${trust}`),
    ...sectionsOf(['*Per cluster*', ...clusterLines], 15),
    section(
      `*After approval*: remove the IRSA annotation in ${plan.cleanup.removeAnnotations.length} cluster(s), ${cleanup}`,
    ),
    ...(findings.length ? sectionsOf(['*Findings*', ...findings], 15) : [context('No findings.')]),
  ];
  return { text: `Plan for ${plan.serviceAccount}${plan.blocked ? ': blocked' : ''}`, blocks };
}
