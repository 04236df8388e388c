import type { AuditEntry } from './migration-state.js';

/**
 * The audit trail of a run lives in its state (`audit`); every entry, and every refusal
 * where no run exists, is also one structured log line.
 */

/**
 * The log line: a fixed prefix to grep (`refused approve of payments/api by U0…` or
 * `audit abort of …`), then the whole entry as one JSON object.
 */
export function auditLine(serviceAccount: string, entry: AuditEntry): string {
  const outcome = entry.refused ? 'refused' : 'done';
  const prefix = `${entry.refused ? 'refused' : 'audit'} ${entry.action} of ${serviceAccount} by ${entry.by}`;
  return `${prefix} ${JSON.stringify({ ...entry, serviceAccount, outcome })}`;
}

/** One line for people: `2025-06-01T09:00:00Z U0ALICE approve (slack, C0OPS): refused: not an approver`. */
export function describeAuditEntry(entry: AuditEntry): string {
  const where = [entry.via, entry.channel].filter(Boolean).join(', ');
  const outcome = entry.refused ? `: refused: ${entry.refused}` : entry.reason ? `: ${entry.reason}` : '';
  return `${entry.at} ${entry.by} ${entry.action}${where ? ` (${where})` : ''}${outcome}`;
}

/** Whether the trail already holds this refusal (same person, action and reason): a repeat adds nothing. */
export function alreadyRecorded(trail: readonly AuditEntry[] | undefined, entry: AuditEntry): boolean {
  return (trail ?? []).some((e) => e.by === entry.by && e.action === entry.action && e.refused === entry.refused);
}
