import type { Logger } from '@slack/bolt';
import { alreadyRecorded, auditLine } from '../src/domain/audit.js';
import {
  isTerminalPhase,
  type AuditAction,
  type AuditEntry,
  type MigrationState,
} from '../src/domain/migration-state.js';
import { formatServiceAccountRef } from '../src/domain/names.js';
import type { ServiceAccountRef } from '../src/domain/types.js';
import type { WebClient } from './adapters/web-client.js';
import type { ListenerDeps } from './deps.js';
import { escape, mention, truncate } from './views/format.js';

/** Who asked, from where, in a request to the Slack app. */
export interface SlackAsker {
  userId: string;
  channelId?: string;
  /** The trigger id of the command or click: one per user action. */
  requestId?: string;
}

export function entryFor(action: AuditAction, who: SlackAsker, extra: Partial<AuditEntry> = {}): AuditEntry {
  return {
    at: new Date().toISOString(),
    action,
    by: who.userId,
    via: 'slack',
    ...(who.channelId && { channel: who.channelId }),
    ...(who.requestId && { requestId: who.requestId }),
    ...extra,
  };
}

const audited = new WeakSet<object>();

/** An error whose refusal already has its audit line: not logged again. */
export function markAudited(err: object): void {
  audited.add(err);
}

export function wasAudited(err: unknown): boolean {
  return typeof err === 'object' && err !== null && audited.has(err);
}

/** An action that went through: one structured log line (the run records it itself). */
export function logDone(logger: Logger, sa: ServiceAccountRef | string, entry: AuditEntry): void {
  logger.info(auditLine(typeof sa === 'string' ? sa : formatServiceAccountRef(sa), entry));
}

/**
 * A refused attempt: always one structured log line; when a run is going, also kept in its
 * audit trail (a signal) and said in its Slack thread, once per person, action and reason,
 * so repeated clicks add nothing.
 */
export async function recordRefusal(
  deps: ListenerDeps,
  ctx: { logger: Logger; client: WebClient },
  sa: ServiceAccountRef | string,
  entry: AuditEntry & { refused: string },
  state?: MigrationState,
): Promise<void> {
  const subject = typeof sa === 'string' ? sa : formatServiceAccountRef(sa);
  ctx.logger.warn(auditLine(subject, entry));
  if (!state || isTerminalPhase(state.phase) || alreadyRecorded(state.audit, entry)) return;
  try {
    await deps.migrations.recordRefusal(state.input.serviceAccount, entry);
  } catch (err) {
    ctx.logger.warn(`could not record the refusal in ${state.workflowId}: ${(err as Error).message}`);
  }
  const thread = state.slackThread;
  if (thread?.threadTs) {
    const text = truncate(
      `:no_entry: ${mention(entry.by)} tried to ${entry.action}: refused (${escape(entry.refused)})`,
      2900,
    );
    await ctx.client.chat
      .postMessage({ channel: thread.channel, thread_ts: thread.threadTs, text, unfurl_links: false })
      .catch((err: unknown) => ctx.logger.warn(`could not post the refusal in the thread: ${(err as Error).message}`));
  }
}
