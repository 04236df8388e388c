import { START_USAGE } from '../../src/start-request/parse.js';
import { digestOf } from '../../src/domain/migration-digest.js';
import type { MigrationPlan, MigrationState } from '../../src/domain/migration-state.js';
import type { MigrationSummary } from '../../src/temporal/migrations.js';
import type { KnownBlock, SlackMessage } from './block-kit.js';
import { findingLines } from './event-reply.js';
import { code, context, escape, header, section, sectionsOf, slackDate } from './format.js';
import { summaryBlocks } from './parent-message.js';

export const COMMAND = '/migrate-identity';

/** Ephemeral replies to `/migrate-identity`: what only the person who typed it sees. */
export function errorReply(message: string): SlackMessage {
  return { text: message, blocks: [section(`:warning: ${escape(message)}`)] };
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
    `• \`${COMMAND} diagnose <namespace>/<service-account> [--clusters a,b]\` checks why credentials fail, cluster by cluster`,
    `• \`${COMMAND} help\` shows this`,
  ];
  return { text: `${COMMAND} help`, blocks: sectionsOf(lines, 5) };
}

export function startedReply(sa: string, url: string): SlackMessage {
  return {
    text: `Started the migration of ${sa}`,
    blocks: [
      section(
        `:rocket: Started the migration of ${code(sa)}. Progress is posted in this channel's thread. <${url}|Open in Temporal UI>`,
      ),
    ],
  };
}

const RECENT_STEPS = 8;

/** `status`: the parent message's summary plus the latest steps. */
export function statusReply(state: MigrationState, runUrl: string, note?: string): SlackMessage {
  const steps = state.clusters
    .flatMap((c) => c.steps.map((s) => ({ cluster: c.cluster, ...s })))
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
    .slice(-RECENT_STEPS)
    .map((s) => `• *${escape(s.cluster)}* ${s.step}: ${s.status}${s.detail ? ` (${escape(s.detail)})` : ''}`);
  const blocks: KnownBlock[] = [
    ...(note ? [section(`:information_source: ${escape(note)}`)] : []),
    ...summaryBlocks(digestOf(state), runUrl),
    ...(steps.length ? sectionsOf(['*Latest steps*', ...steps], 3) : []),
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

/** `plan`: preflight only, what a migration would change. */
export function planReply(plan: MigrationPlan): SlackMessage {
  const verdict = plan.blocked
    ? ':no_entry: *Blocked*: a migration would stop at preflight.'
    : ':white_check_mark: Preflight passes.';
  const trust = plan.trust.addPodIdentityStatement
    ? `add the Pod Identity trust statement (policy ${plan.trust.sizeBefore} → ${plan.trust.sizeAfter} of ${plan.trust.limit} chars)`
    : 'the Pod Identity trust statement is already there';
  const clusterLines = plan.clusters.map((c) => {
    const association =
      c.association.action === 'create'
        ? 'create association'
        : `reuse association ${escape(c.association.existingId ?? '')}`;
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
