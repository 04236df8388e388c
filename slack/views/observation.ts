import type { Notification } from '../../src/ports/notifier.js';
import type { Button, KnownBlock, SlackMessage } from './block-kit.js';
import { code, context, escape, section, sectionsOf, serviceAccountOf, truncate } from './format.js';
import { LIMITS } from './limits.js';
import { encodeApprovalValue } from './payload.js';

export const ROLLBACK_ACTION_ID = 'migration_rollback';
export const END_OBSERVATION_ACTION_ID = 'migration_end_observation';
const OBSERVATION_ACTIONS_BLOCK_ID = 'observation-actions';

/**
 * Roll back (IRSA restored exactly) and End observation, each behind a confirm dialog. The
 * value names the run (service account and start time), as the approval buttons do: a
 * button left in the thread of an earlier run acts on nothing.
 */
function observationButtons(event: Notification): KnownBlock {
  const state = event.migration;
  const value = encodeApprovalValue(state);
  const sa = serviceAccountOf(state);
  const rollback: Button = {
    type: 'button',
    action_id: ROLLBACK_ACTION_ID,
    style: 'danger',
    text: { type: 'plain_text', text: 'Roll back' },
    value,
    confirm: {
      title: { type: 'plain_text', text: 'Roll back to IRSA?' },
      text: {
        type: 'mrkdwn',
        text: truncate(
          `Every cluster of ${code(sa)} goes back to IRSA exactly as before: the IRSA trust and annotation restored, this migration's associations deleted, the workloads restarted and verified.`,
          LIMITS.confirmText,
        ),
      },
      confirm: { type: 'plain_text', text: 'Roll back' },
      deny: { type: 'plain_text', text: 'Cancel' },
      style: 'danger',
    },
  };
  const end: Button = {
    type: 'button',
    action_id: END_OBSERVATION_ACTION_ID,
    text: { type: 'plain_text', text: 'End observation' },
    value,
    confirm: {
      title: { type: 'plain_text', text: 'End the observation now?' },
      text: {
        type: 'mrkdwn',
        text: truncate(
          `${code(sa)} stays on Pod Identity and the run completes with its change record; no more samples.`,
          LIMITS.confirmText,
        ),
      },
      confirm: { type: 'plain_text', text: 'End it' },
      deny: { type: 'plain_text', text: 'Cancel' },
    },
  };
  return { type: 'actions', block_id: OBSERVATION_ACTIONS_BLOCK_ID, elements: [rollback, end] };
}

/**
 * A reply of the Observing phase: its start, a daily digest, its end (`observation`), or a
 * regression (`observation-alert`). While the run observes it carries the Roll back and End
 * observation buttons; who may press them is the access policy's operate rule.
 */
export function observationReply(event: Notification): SlackMessage {
  const [first = '', ...rest] = event.text.split('\n');
  const alert = event.kind === 'observation-alert';
  const sa = serviceAccountOf(event.migration);
  const blocks: KnownBlock[] = [
    section(alert ? `:rotating_light: *${escape(first)}*` : `:eyes: ${escape(first)}`),
    ...sectionsOf(
      rest.map((line) => `• ${escape(line)}`),
      8,
    ),
  ];
  if (event.migration.phase === 'Observing') {
    if (alert) {
      blocks.push(
        context(
          `Roll back restores IRSA exactly (annotation, trust, association removal, restart, verify). The run's requester, approvers and operators may.`,
        ),
      );
    }
    blocks.push(observationButtons(event));
  }
  return { text: alert ? `Regression while observing ${sa}` : first, blocks };
}
