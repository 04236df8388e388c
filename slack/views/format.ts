import type { MigrationDigest } from '../../src/domain/migration-digest.js';
import type { ClusterStatus, MigrationPhase } from '../../src/domain/migration-state.js';
import type { FindingSeverity } from '../../src/domain/types.js';
import type { KnownBlock } from './block-kit.js';
import { LIMITS } from './limits.js';

export const PHASE_LABEL: Record<MigrationPhase, string> = {
  Preflight: ':mag: Preflight',
  Trust: ':key: Updating role trust',
  Migrating: ':arrows_counterclockwise: Migrating',
  AwaitingApproval: ':hourglass_flowing_sand: Awaiting approval',
  CleaningUp: ':broom: Cleaning up IRSA',
  Observing: ':eyes: Observing (IRSA cleaned up; rollback ready)',
  RollingBack: ':leftwards_arrow_with_hook: Rolling back',
  PreflightFailed: ':no_entry: Preflight failed (nothing changed)',
  Completed: ':white_check_mark: Completed',
  MigratedNotCleaned: ':pause_button: Migrated, IRSA kept (approval window ended)',
  RolledBack: ':rewind: Rolled back to IRSA',
  RollbackFailed: ':rotating_light: Rollback failed: manual steps needed',
};

export const CLUSTER_ICON: Record<ClusterStatus, string> = {
  pending: ':white_circle:',
  migrating: ':arrows_counterclockwise:',
  migrated: ':large_green_circle:',
  cleaning: ':broom:',
  cleaned: ':white_check_mark:',
  'rolling-back': ':leftwards_arrow_with_hook:',
  'rolled-back': ':rewind:',
  failed: ':x:',
};

export const SEVERITY_ICON: Record<FindingSeverity, string> = {
  blocking: ':no_entry:',
  warning: ':warning:',
  info: ':information_source:',
};

/** Slack mrkdwn treats &, < and > as control characters. */
export function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Inline code that survives any content: a backtick would end it early. */
export function code(text: string): string {
  return `\`${escape(text.replace(/`/g, "'"))}\``;
}

/** Slack user ids become mentions, user group ids group mentions; CLI user names stay text. */
export function mention(id: string): string {
  if (/^[UW][A-Z0-9]{2,}$/.test(id)) return `<@${id}>`;
  if (/^S[A-Z0-9]{2,}$/.test(id)) return `<!subteam^${id}>`;
  return escape(id);
}

/** Mentions for a list of ids, capped so a long list cannot crowd out the message. */
export function mentions(ids: readonly string[], max = 20): string {
  const shown = ids.slice(0, max).map(mention).join(' ');
  return ids.length > max ? `${shown} and ${ids.length - max} more` : shown;
}

/** A date every reader sees in their own time zone; the ISO text is the fallback. */
export function slackDate(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  if (Number.isNaN(seconds)) return escape(iso);
  return `<!date^${seconds}^{date_short_pretty} {time}|${iso}>`;
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function serviceAccountOf(run: Pick<MigrationDigest, 'serviceAccount'>): string {
  return `${run.serviceAccount.namespace}/${run.serviceAccount.name}`;
}

export function section(text: string, blockId?: string): KnownBlock {
  return {
    type: 'section',
    ...(blockId ? { block_id: blockId } : {}),
    text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) },
  };
}

export function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, LIMITS.contextText) }] };
}

export function header(text: string): KnownBlock {
  return { type: 'header', text: { type: 'plain_text', text: truncate(text, LIMITS.headerText), emoji: true } };
}

/** Lines joined into as few sections as Slack's text limit allows, at most `maxBlocks`. */
export function sectionsOf(lines: string[], maxBlocks: number): KnownBlock[] {
  const chunks: string[] = [];
  let current = '';
  for (const line of lines) {
    const piece = truncate(line, LIMITS.sectionText);
    if (current && current.length + 1 + piece.length > LIMITS.sectionText) {
      chunks.push(current);
      current = piece;
    } else {
      current = current ? `${current}\n${piece}` : piece;
    }
  }
  if (current) chunks.push(current);
  if (chunks.length > maxBlocks) {
    const kept = chunks.slice(0, Math.max(0, maxBlocks - 1));
    return [...kept.map((c) => section(c)), context(`… ${chunks.length - kept.length} more part(s) not shown`)];
  }
  return chunks.map((c) => section(c));
}
