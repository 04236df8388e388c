/**
 * The change record a run ends with (issue 8 §5; the seed: "Document association creation and
 * verification as a standard change template for platform teams"): what changed per cluster,
 * the evidence, who approved, and the exact rollback steps. Markdown, built from the state
 * alone, so `status --record` renders it for any run, running or closed.
 */
import { describeAuditEntry } from './audit.js';
import { describeProfile } from './cloudtrail-evidence.js';
import { formatDuration } from './duration.js';
import { isTerminalPhase, type ClusterProgress, type MigrationState } from './migration-state.js';
import {
  removePodIdentityTrustCommand,
  restoreIrsaTrustCommand,
  roleNameOf,
  rollbackCommand,
  type ClusterAction,
  type RollbackContext,
} from './rollback-commands.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const did = (c: ClusterProgress, step: string) => c.steps.some((s) => s.step === step && s.status === 'succeeded');
const tried = (c: ClusterProgress, step: string) => c.steps.some((s) => s.step === step);

function contextOf(state: MigrationState): RollbackContext {
  const { input } = state;
  return {
    serviceAccount: input.serviceAccount,
    roleArn: input.roleArn,
    options: input.options,
    rollbackNote: state.rollbackNote,
    runTag: state.runTag ?? `${state.workflowId}/<first run id>`,
  };
}

function outcomeOf(state: MigrationState): string {
  const o = state.observation;
  switch (state.phase) {
    case 'Completed':
      return o?.ended
        ? `completed: on Pod Identity, IRSA cleaned up, observed until ${o.ended.at}${o.ended.early ? ` (ended early by ${o.ended.by}${o.ended.reason ? `: ${o.ended.reason}` : ''})` : ''}`
        : 'completed: on Pod Identity, IRSA cleaned up';
    case 'RolledBack':
      return `rolled back to IRSA${state.failure ? ` (${state.failure.type}: ${state.failure.message})` : ''}`;
    case 'RollbackFailed':
      return `ROLLBACK INCOMPLETE: manual steps below${state.failure ? ` (${state.failure.type}: ${state.failure.message})` : ''}`;
    case 'MigratedNotCleaned':
      return 'on Pod Identity with IRSA kept as the fallback (not cleaned up)';
    case 'PreflightFailed':
      return 'stopped by preflight: nothing changed';
    default:
      return `in progress (${state.phase})`;
  }
}

function summary(state: MigrationState): string[] {
  const { input } = state;
  const sa = `${input.serviceAccount.namespace}/${input.serviceAccount.name}`;
  const counted = (state.approvals ?? []).filter((a) => a.decision === 'approve');
  const rows: [string, string][] = [
    ['Change', `Move service account \`${sa}\` from IRSA to EKS Pod Identity`],
    [
      'Role',
      `\`${input.roleArn}\`${input.options.targetRoleArn ? ` (pods run as \`${input.options.targetRoleArn}\`)` : ''}`,
    ],
    ['Clusters', input.clusters.join(', ')],
    ['Requested by', `${input.requestedBy}${input.origin ? ` (${input.origin.via})` : ''} at ${state.startedAt}`],
    [
      'Approved by',
      counted.length
        ? counted.map((a) => `${a.by} at ${a.at}${a.reason ? ` (${a.reason})` : ''}`).join('; ')
        : state.decision?.decision === 'reject'
          ? `rejected by ${state.decision.by} at ${state.decision.at}`
          : 'not approved',
    ],
    ['Access rule', input.access?.rule ?? 'none (sandbox or no policy)'],
    ['Outcome', outcomeOf(state)],
    [
      'Run',
      `\`${state.workflowId}\`${state.runTag ? ` (associations tagged \`migrate-identity/run=${state.runTag}\`)` : ''}`,
    ],
    ['Last update', state.updatedAt],
  ];
  return ['| | |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${cell(v)} |`)];
}

function perCluster(state: MigrationState): string[] {
  const lines: string[] = ['## What changed, per cluster', ''];
  const note = state.rollbackNote;
  for (const c of state.clusters) {
    lines.push(`### ${c.cluster} (${c.status})`, '');
    const previous = note.previousAnnotations[c.cluster];
    if (c.createdAssociationId)
      lines.push(`- Pod Identity association \`${c.createdAssociationId}\` created by this change`);
    if (c.reusedAssociationId)
      lines.push(`- Pod Identity association \`${c.reusedAssociationId}\` was already there: reused, never deleted`);
    if (did(c, 'remove-annotation')) lines.push(`- IRSA annotation removed (it was \`${previous ?? 'absent'}\`)`);
    const workloads = (note.workloads[c.cluster] ?? []).map((w) => `${w.ref.kind}/${w.ref.name}`);
    if (workloads.length) lines.push(`- Workloads restarted: ${workloads.join(', ')}`);
    if (c.recreatedAssociationId)
      lines.push(`- Rollback re-created association \`${c.recreatedAssociationId}\` (see the manual steps)`);
    if (c.steps.length) {
      lines.push('', '| step | status | finished | detail |', '| --- | --- | --- | --- |');
      for (const s of c.steps)
        lines.push(`| ${s.step} | ${s.status} | ${s.finishedAt ?? ''} | ${cell(s.detail ?? '')} |`);
    }
    lines.push('');
  }
  lines.push('### The role', '');
  const sid = note.addedTrustStatementSid;
  lines.push(
    sid !== undefined
      ? `- Trust: Pod Identity statement \`${sid}\` added by this change`
      : note.podIdentityTrustedBefore
        ? '- Trust: already trusted Pod Identity for this service account (nothing added)'
        : '- Trust: no Pod Identity statement added',
  );
  const removed = note.removedIrsaTrust?.Statement ?? [];
  if (removed.length)
    lines.push(
      `- Trust: ${removed.length} IRSA trust statement(s) of this service account removed at cleanup (kept in the rollback note)`,
    );
  else if (state.input.options.keepIrsaTrust) lines.push('- Trust: IRSA trust kept (`--keep-irsa-trust`)');
  lines.push('');
  return lines;
}

function evidence(state: MigrationState): string[] {
  const lines: string[] = ['## Evidence', ''];
  lines.push(
    '- Verification: the `verify`, `recheck` and `cleanup-verify` steps above (every pod checked, caller identity in a pod)',
  );
  const e = state.evidence;
  if (e?.notConfigured) lines.push(`- CloudTrail: not collected (${e.notConfigured})`);
  for (const [cluster, ev] of Object.entries(e?.podIdentity ?? {})) {
    lines.push(
      `- CloudTrail ${cluster}: ${ev.status === 'found' ? `${ev.sessions.count} Pod Identity session(s) since ${ev.since} (events ${ev.sessions.eventIds.join(', ')})` : `${ev.status}${ev.reason ? `: ${ev.reason}` : ''}`}`,
    );
  }
  for (const [cluster, irsa] of Object.entries(e?.irsaAfterRestart?.clusters ?? {})) {
    lines.push(`- CloudTrail ${cluster}: ${irsa.count} IRSA web-identity call(s) after the restart`);
  }
  if (e?.stsProfile?.before) lines.push(`- STS profile before: ${describeProfile(e.stsProfile.before)}`);
  if (e?.stsProfile?.after) lines.push(`- STS profile after: ${describeProfile(e.stsProfile.after)}`);
  const o = state.observation;
  if (o) {
    const days = formatDuration(Math.round((Date.parse(o.endsAt) - Date.parse(o.startedAt)) / 1000));
    lines.push(
      `- Observation: ${days} from ${o.startedAt}, ${o.sampleCount} sample(s) every ${formatDuration(o.sampleSeconds)}, ${o.alerts.length} alert(s)`,
    );
    if (o.baseline) {
      lines.push(
        `- Baseline (${o.baseline.from} to ${o.baseline.to}, before the run): ${
          o.baseline.unavailable
            ? `not read: ${o.baseline.unavailable}`
            : Object.entries(o.baseline.clusters)
                .map(([c, b]) => `${c} ${b.count} credential error(s), agent ${b.agent}`)
                .join('; ')
        }`,
      );
    }
    for (const alert of o.alerts) {
      for (const r of alert.regressions) lines.push(`- Alert ${alert.at}: ${r.message}`);
    }
    if (o.rollbackRequested) {
      lines.push(
        `- Rollback requested by ${o.rollbackRequested.by} at ${o.rollbackRequested.at}${o.rollbackRequested.reason ? `: ${o.rollbackRequested.reason}` : ''}`,
      );
    }
    if (o.ended)
      lines.push(
        `- Observation ended ${o.ended.early ? `early by ${o.ended.by} (${o.ended.reason ?? 'no reason given'})` : 'when its window ran out'} at ${o.ended.at}`,
      );
  }
  const notable = state.findings.filter((f) => f.severity !== 'info');
  for (const f of notable)
    lines.push(`- Finding [${f.severity}] ${f.code}${f.cluster ? ` (${f.cluster})` : ''}: ${f.message}`);
  lines.push('');
  return lines;
}

/** The actions that put one cluster back on IRSA, as the workflow's rollback would take them. */
function clusterActions(
  state: MigrationState,
  c: ClusterProgress,
): { action: ClusterAction; associationId?: string }[] {
  const actions: { action: ClusterAction; associationId?: string }[] = [];
  if (tried(c, 'remove-annotation') && state.rollbackNote.previousAnnotations[c.cluster] != null)
    actions.push({ action: 'annotate' });
  if (tried(c, 'create-association') && c.reusedAssociationId === undefined) {
    actions.push({
      action: 'delete-association',
      ...(c.createdAssociationId && { associationId: c.createdAssociationId }),
    });
    actions.push({ action: 'wait' });
  }
  if (actions.length || tried(c, 'restart')) actions.push({ action: 'restart' }, { action: 'verify' });
  return actions;
}

function rollbackSteps(state: MigrationState): string[] {
  const lines: string[] = ['## Rollback', ''];
  if (state.phase === 'RolledBack')
    return [...lines, 'Rolled back by the run: every cluster is on IRSA as before. Nothing to do.', ''];
  if (state.phase === 'PreflightFailed') return [...lines, 'Nothing changed: nothing to roll back.', ''];
  if (state.phase === 'RollbackFailed') {
    return [
      ...lines,
      'The run could not finish its rollback. Run these, in order:',
      '',
      '```sh',
      ...(state.manualSteps ?? []),
      '```',
      '',
    ];
  }
  const ctx = contextOf(state);
  const role = roleNameOf(state.input.roleArn);
  const steps: string[] = [];
  const removed = state.rollbackNote.removedIrsaTrust?.Statement ?? [];
  if (removed.length)
    steps.push(
      `# role ${role}: put back the IRSA trust cleanup removed (before any pod returns to IRSA)`,
      restoreIrsaTrustCommand(ctx, removed),
    );
  // Newest cluster first, as the workflow's rollback.
  for (const c of [...state.clusters].reverse()) {
    const actions = clusterActions(state, c);
    if (actions.length === 0) continue;
    steps.push(`# ${c.cluster}`, ...actions.map((a) => rollbackCommand(ctx, c.cluster, a.action, a.associationId)));
  }
  const sid = state.rollbackNote.addedTrustStatementSid;
  if (sid !== undefined) {
    steps.push(
      `# role ${role}: last, only once no pod uses Pod Identity with it and no association in any cluster names it`,
      removePodIdentityTrustCommand(ctx, sid),
    );
  }
  if (steps.length === 0) return [...lines, 'Nothing this run changed needs undoing.', ''];
  const how = isTerminalPhase(state.phase)
    ? 'By hand, in this order (what the workflow would do):'
    : 'While the run is open, `migrate-identity rollback <ns>/<sa>` (or the Slack button) does this; by hand, in this order:';
  return [...lines, how, '', '```sh', ...steps, '```', ''];
}

function approvals(state: MigrationState): string[] {
  const trail = (state.audit ?? []).filter((e) => !e.refused);
  const refused = (state.audit ?? []).length - trail.length;
  return [
    '## Who did what',
    '',
    ...trail.map((e) => `- ${describeAuditEntry(e)}`),
    ...(refused ? [`- (${refused} refused attempt(s): \`status --json\`)`] : []),
    '',
  ];
}

/** The change record of a run, in Markdown. */
export function changeRecord(state: MigrationState): string {
  const sa = `${state.input.serviceAccount.namespace}/${state.input.serviceAccount.name}`;
  return [
    `# Change record: ${sa} to EKS Pod Identity`,
    '',
    ...summary(state),
    '',
    ...perCluster(state),
    ...evidence(state),
    ...approvals(state),
    ...rollbackSteps(state),
  ].join('\n');
}
