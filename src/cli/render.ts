import { describeAuditEntry } from '../domain/audit.js';
import type { MigrationPlan, MigrationState } from '../domain/migration-state.js';
import type { Finding } from '../domain/types.js';
import type { MigrationSummary } from '../temporal/migrations.js';
import { renderEvidence } from './evidence-render.js';
import { renderObservation } from './observation-render.js';
import { renderRoleReuse } from './role-reuse-render.js';

/**
 * The version of every `--json` shape. Scripts check it; it goes up when a field changes
 * meaning or goes away (new fields keep it). README, "JSON outputs".
 */
export const JSON_SCHEMA_VERSION = 1;

/** One `--json` document: the shape's version, then its fields. */
export function jsonOutput(fields: object): string {
  return JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, ...fields });
}

const ICON: Record<string, string> = {
  succeeded: '✔',
  failed: '✘',
  running: '…',
  skipped: '−',
  retried: '↻',
};

export function renderFindings(findings: Finding[]): string[] {
  return findings.map((f) => `  [${f.severity}] ${f.cluster ? `${f.cluster}: ` : ''}${f.code}: ${f.message}`);
}

/** The human view of one migration: phase, per-cluster steps, findings, decision, failure. */
export function renderState(state: MigrationState, url?: string): string {
  const sa = `${state.input.serviceAccount.namespace}/${state.input.serviceAccount.name}`;
  const lines = [
    `${sa} → ${state.input.roleArn}`,
    `phase: ${state.phase}${state.paused ? ' (paused)' : ''}   requested by ${state.input.requestedBy}   started ${state.startedAt}`,
  ];
  if (url) lines.push(`run: ${url}`);
  for (const c of state.clusters) {
    lines.push(`${c.cluster}: ${c.status}${c.createdAssociationId ? ` (association ${c.createdAssociationId})` : ''}`);
    for (const s of c.steps) lines.push(`  ${ICON[s.status] ?? '?'} ${s.step}${s.detail ? `: ${s.detail}` : ''}`);
  }
  lines.push(...renderRoleReuse(state.plan?.roleReuse));
  const notable = state.findings.filter((f) => f.severity !== 'info');
  if (notable.length) lines.push('findings:', ...renderFindings(notable));
  if (state.evidence) lines.push(...renderEvidence(state.evidence));
  lines.push(...renderObservation(state.observation));
  if (state.phase === 'Observing') {
    const sa = `${state.input.serviceAccount.namespace}/${state.input.serviceAccount.name}`;
    lines.push(
      `  roll back: migrate-identity rollback ${sa} --reason <why>; end early: migrate-identity end-observation ${sa}`,
    );
  }
  if (state.approval && !state.decision && state.phase === 'AwaitingApproval') {
    const needed = state.input.options.minApprovals ?? 1;
    lines.push(
      `awaiting approval from ${state.input.options.approvers.join(', ')}${needed > 1 ? ` (${needed} needed)` : ''} until ${state.approval.expiresAt} (reminders sent: ${state.approval.remindersSent})`,
    );
  }
  if (state.approvals?.length) {
    lines.push(`approvals: ${state.approvals.map((a) => `${a.decision} by ${a.by} at ${a.at}`).join(', ')}`);
  }
  if (state.decision)
    lines.push(`decision: ${state.decision.decision} by ${state.decision.by} at ${state.decision.at}`);
  if (state.failure) lines.push(`failure: ${state.failure.type}: ${state.failure.message}`);
  if (state.manualSteps?.length) lines.push('MANUAL STEPS REQUIRED:', ...state.manualSteps.map((s) => `  - ${s}`));
  if (state.warnings.length) lines.push('warnings:', ...state.warnings.map((w) => `  - ${w}`));
  const audit = state.audit ?? [];
  if (audit.length) {
    const shown = audit.slice(-AUDIT_SHOWN);
    lines.push(
      `audit trail${audit.length > shown.length ? ` (latest ${shown.length} of ${audit.length}; all in status --json)` : ''}:`,
      ...shown.map((e) => `  - ${describeAuditEntry(e)}`),
    );
  }
  return lines.join('\n');
}

const AUDIT_SHOWN = 10;

export function renderPlan(plan: MigrationPlan): string {
  const lines = [
    `plan for ${plan.serviceAccount} → ${plan.roleArn}: ${plan.blocked ? 'BLOCKED' : 'ready'}`,
    `trust: ${plan.trust.addPodIdentityStatement ? 'add' : plan.trust.widenStatement ? 'widen' : 'keep'} the Pod Identity statement (${plan.trust.sizeBefore} → ${plan.trust.sizeAfter} of ${plan.trust.limit} characters)`,
    `  ${trustScopeText(plan.trust.scope)}`,
  ];
  for (const c of plan.clusters) {
    lines.push(
      `${c.cluster}: ${c.association.action} association${c.association.existingId ? ` ${c.association.existingId}` : ''}${c.association.targetRoleArn ? ` (target role ${c.association.targetRoleArn})` : ''}; restart ${c.workloadsToRestart.map((w) => `${w.kind.toLowerCase()}/${w.name}`).join(', ') || 'nothing'}; IRSA annotation ${c.irsaAnnotation ?? 'none'}`,
    );
  }
  lines.push(
    `cleanup (after approval): remove the annotation in ${plan.cleanup.removeAnnotations.join(', ') || 'no cluster'}; ${plan.cleanup.keepIrsaTrust ? 'keep IRSA trust' : `remove IRSA trust for ${plan.cleanup.removeIrsaTrustForIssuers.length} issuer(s)`}`,
  );
  lines.push(...renderRoleReuse(plan.roleReuse));
  if (plan.findings.length) lines.push('findings:', ...renderFindings(plan.findings));
  return lines.join('\n');
}

/** Whom the Pod Identity statement admits, as the plan shows it. */
export function trustScopeText(scope: MigrationPlan['trust']['scope']): string {
  if (scope === undefined) return 'scope: unscoped, every Pod Identity association in the account that names the role';
  const clusters = scope.clusterArns.map((arn) => arn.replace(/^.*:cluster\//, '')).join(', ');
  return `scope: ${scope.namespace}/${scope.serviceAccount} in ${clusters || 'any cluster of the account'} (aws:RequestTag conditions)`;
}

export function renderList(list: MigrationSummary[]): string {
  if (list.length === 0) return 'no migrations';
  return list
    .map((m) => `${m.serviceAccount.padEnd(32)} ${m.phase.padEnd(18)} ${m.status.padEnd(10)} ${m.startTime}  ${m.url}`)
    .join('\n');
}
