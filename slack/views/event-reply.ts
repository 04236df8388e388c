import type { MigrationDigest } from '../../src/domain/migration-digest.js';
import type { Finding } from '../../src/domain/types.js';
import type { Notification, NotificationKind } from '../../src/ports/notifier.js';
import type { KnownBlock, SlackMessage } from './block-kit.js';
import { context, escape, mention, PHASE_LABEL, section, sectionsOf, SEVERITY_ICON } from './format.js';

const KIND_ICON: Record<NotificationKind, string> = {
  started: ':rocket:',
  preflight: ':mag:',
  step: ':white_check_mark:',
  'approval-requested': ':lock:',
  'approval-reminder': ':alarm_clock:',
  decision: ':scales:',
  'rollback-step': ':leftwards_arrow_with_hook:',
  observation: ':eyes:',
  'observation-alert': ':rotating_light:',
  finished: ':checkered_flag:',
};

export function findingLines(findings: readonly Finding[]): string[] {
  return findings.map(
    (f) =>
      `${SEVERITY_ICON[f.severity]} ${f.cluster ? `*${escape(f.cluster)}* ` : ''}${escape(f.message)} (\`${f.code}\`)`,
  );
}

function decisionText(state: MigrationDigest, fallback: string): string {
  if (state.decision) {
    const d = state.decision;
    return d.decision === 'approve'
      ? `:white_check_mark: Cleanup approved by ${mention(d.by)}`
      : `:no_entry_sign: Rejected by ${mention(d.by)}${d.reason ? `: ${escape(d.reason)}` : ''}: rolling back`;
  }
  if (state.abortRequested) return `:octagonal_sign: Aborted by ${mention(state.abortRequested.by)}: rolling back`;
  return `${KIND_ICON.decision} ${escape(fallback)}`;
}

function finishedBlocks(event: Notification): KnownBlock[] {
  const state = event.migration;
  const blocks = [section(`${PHASE_LABEL[state.phase]}: ${escape(event.text.split('\n')[0] ?? '')}`)];
  if (state.phase === 'PreflightFailed') {
    blocks.push(...sectionsOf(findingLines((event.findings ?? []).filter((f) => f.severity === 'blocking')), 10));
  }
  if (state.manualSteps?.length) {
    blocks.push(section(`*Manual steps*\n\`\`\`${state.manualSteps.join('\n')}\`\`\``));
  }
  if (state.warningCount) blocks.push(context(`:warning: ${state.warningCount} warning(s) recorded in the run`));
  return blocks;
}

/** The thread reply for one workflow event (every step, failure and rollback step). */
export function eventReply(event: Notification): SlackMessage {
  const state = event.migration;
  const firstLine = event.text.split('\n')[0] ?? event.text;
  let blocks: KnownBlock[];
  switch (event.kind) {
    case 'preflight': {
      const findings = findingLines(event.findings ?? []);
      blocks = [
        section(`${KIND_ICON.preflight} ${escape(event.text)}`),
        ...(findings.length ? sectionsOf(['*Findings*', ...findings], 20) : [context('No findings.')]),
      ];
      break;
    }
    case 'decision':
      blocks = [section(decisionText(state, event.text))];
      break;
    case 'finished':
      blocks = finishedBlocks(event);
      break;
    case 'rollback-step': {
      const failed = /FAILED/.test(event.text);
      blocks = [section(`${failed ? ':x:' : KIND_ICON['rollback-step']} ${escape(event.text)}`)];
      break;
    }
    default:
      blocks = [section(`${KIND_ICON[event.kind]} ${escape(event.text)}`)];
  }
  return { text: firstLine, blocks };
}
