import type {
  ClusterProgress,
  FailureInfo,
  MigrationState,
  StepName,
  StepRecord,
} from '../src/domain/migration-state.js';
import { ActivityFailure, ApplicationFailure, CancelledFailure, TimeoutFailure } from '@temporalio/workflow';
import type { MigrationInput } from '../src/domain/types.js';
import { FailureType, isFailureType } from '../src/domain/failure-types.js';

export function nowIso(): string {
  // Date in workflow code is the deterministic workflow clock.
  return new Date().toISOString();
}

export function initialState(workflowId: string, input: MigrationInput): MigrationState {
  const at = nowIso();
  return {
    workflowId,
    input,
    phase: 'Preflight',
    paused: false,
    startedAt: at,
    updatedAt: at,
    clusters: input.clusters.map((cluster) => ({ cluster, status: 'pending', steps: [] })),
    findings: [],
    warnings: [],
    rollbackNote: { previousAnnotations: {}, workloads: {} },
    approvals: [],
    audit: [{ at, action: 'start', by: input.requestedBy, ...input.origin }],
    ...(input.notify?.slack && { slackThread: { ...input.notify.slack } }),
  };
}

export function clusterProgress(state: MigrationState, cluster: string): ClusterProgress {
  const found = state.clusters.find((c) => c.cluster === cluster);
  if (!found) throw new Error(`unknown cluster ${cluster}`);
  return found;
}

export function beginStep(state: MigrationState, cluster: string, step: StepName, detail?: string): StepRecord {
  const record: StepRecord = { step, status: 'running', startedAt: nowIso(), detail };
  clusterProgress(state, cluster).steps.push(record);
  state.updatedAt = record.startedAt;
  return record;
}

export function endStep(
  state: MigrationState,
  record: StepRecord,
  status: StepRecord['status'],
  detail?: string,
  warnings?: string[],
): void {
  record.status = status;
  record.finishedAt = nowIso();
  if (detail !== undefined) record.detail = detail;
  if (warnings?.length) {
    record.warnings = warnings;
    state.warnings.push(...warnings);
  }
  state.updatedAt = record.finishedAt;
}

/**
 * The failure under the wrappers: an activity's ApplicationFailure (its type and message),
 * or what ended the activity (a timeout, a cancellation). "Activity task failed" says nothing.
 */
export function rootFailure(err: unknown): { type?: string; message: string } {
  let current: unknown = err;
  let activity: ActivityFailure | undefined;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure) return { type: current.type ?? undefined, message: current.message };
    if (current instanceof TimeoutFailure) {
      const what = activity ? `activity ${activity.activityType}` : 'the operation';
      return { type: FailureType.Timeout, message: `${what} timed out (${current.timeoutType})` };
    }
    if (current instanceof CancelledFailure)
      return { message: `cancelled${current.message ? `: ${current.message}` : ''}` };
    if (current instanceof ActivityFailure) activity = current;
    else {
      const typed = current as Error & { type?: string };
      if (typed.type) return { type: typed.type, message: typed.message };
      if (!current.cause) return { message: current.message };
    }
    current = current.cause;
  }
  if (activity) return { message: `activity ${activity.activityType} failed (${activity.message})` };
  return { message: err instanceof Error ? err.message : String(err) };
}

/** One line for step records, manual steps and notifications: `Type: message`. */
export function describeError(err: unknown): string {
  const { type, message } = rootFailure(err);
  return type && type !== 'Error' && !message.startsWith(type) ? `${type}: ${message}` : message;
}

export function failureInfo(err: unknown, where: Pick<FailureInfo, 'cluster' | 'step'>): FailureInfo {
  const root = rootFailure(err);
  // An error no adapter mapped arrives typed by its class name (`Error`, `TypeError`).
  const type: FailureType = root.type && isFailureType(root.type) ? root.type : FailureType.Unknown;
  return { message: root.message, type, ...where, at: nowIso() };
}

const STATUS_ICON: Record<ClusterProgress['status'], string> = {
  pending: '⏳',
  migrating: '🔄',
  migrated: '✅',
  cleaning: '🧹',
  cleaned: '✨',
  'rolling-back': '↩️',
  'rolled-back': '⏪',
  failed: '❌',
};

/** Markdown for the Temporal UI's "current details". */
export function currentDetails(state: MigrationState): string {
  const sa = `${state.input.serviceAccount.namespace}/${state.input.serviceAccount.name}`;
  const lines = [`**${state.phase}**${state.paused ? ' (paused)' : ''} · ${sa} → \`${state.input.roleArn}\``, ''];
  for (const c of state.clusters) {
    const last = c.steps.at(-1);
    lines.push(
      `- ${STATUS_ICON[c.status]} **${c.cluster}**: ${c.status}${last ? ` (${last.step}: ${last.status})` : ''}`,
    );
  }
  const approvals = state.approvals ?? [];
  if (!state.decision && approvals.length > 0) {
    lines.push('', `Approvals: ${approvals.map((a) => `${a.decision} by ${a.by}`).join(', ')}`);
  }
  if (state.decision)
    lines.push('', `Decision: **${state.decision.decision}** by ${state.decision.by} at ${state.decision.at}`);
  const o = state.observation;
  if (o) {
    const ended = o.ended
      ? `; ended ${o.ended.early ? `early by ${o.ended.by ?? 'unknown'}` : ''} at ${o.ended.at}`
      : '';
    lines.push('', `Observation until ${o.endsAt}: ${o.sampleCount} sample(s), ${o.alerts.length} alert(s)${ended}`);
  }
  if (state.failure) lines.push('', `Failure: ${state.failure.type}: ${state.failure.message}`);
  return lines.join('\n');
}
