import type { InputBlock, ModalView, PlainTextOption } from './block-kit.js';
import { LIMITS } from './limits.js';
import { truncate } from './format.js';
import { encodeStartModalMetadata, type StartModalMetadata } from './payload.js';

export const START_MODAL_CALLBACK_ID = 'start_migration';
const ACTION = 'value';
// Slack keeps typed values to this length, well inside the command's own limit.
const TEXT_INPUT_MAX = 1000;

/** Block ids double as the CLI flag a field feeds, so a ValidationError's field finds its block. */
export const FIELD = {
  serviceAccount: 'serviceAccount',
  role: 'role',
  clusters: 'clusters',
  approvers: 'approvers',
  consistencyWait: 'consistency-wait',
  soak: 'soak',
  onApprovalTimeout: 'on-approval-timeout',
  probe: 'probe',
  keepIrsaTrust: 'keep-irsa-trust',
} as const;

function option(value: string, text = value): PlainTextOption {
  return { text: { type: 'plain_text', text: truncate(text, LIMITS.optionText) }, value };
}

function textInput(blockId: string, label: string, placeholder: string, optional: boolean, hint?: string): InputBlock {
  return {
    type: 'input',
    block_id: blockId,
    optional,
    label: { type: 'plain_text', text: label },
    ...(hint ? { hint: { type: 'plain_text', text: hint } } : {}),
    element: {
      type: 'plain_text_input',
      action_id: ACTION,
      max_length: TEXT_INPUT_MAX,
      placeholder: { type: 'plain_text', text: placeholder },
    },
  };
}

/**
 * The form behind a bare `/migrate-identity`: the same options as the command, as fields.
 * Verification probes are picked from the access policy's (`probes`), never typed.
 */
export function startModal(
  clusters: readonly string[],
  metadata: StartModalMetadata,
  probes: readonly string[] = [],
): ModalView {
  const clusterBlock: InputBlock =
    clusters.length > 0 && clusters.length <= LIMITS.staticSelectOptions
      ? {
          type: 'input',
          block_id: FIELD.clusters,
          label: { type: 'plain_text', text: 'Clusters (migrated in this order)' },
          element: {
            type: 'multi_static_select',
            action_id: ACTION,
            placeholder: { type: 'plain_text', text: 'Pick clusters from the fleet' },
            options: clusters.map((c) => option(c)),
          },
        }
      : textInput(FIELD.clusters, 'Clusters (migrated in this order)', 'cluster-a,cluster-b', false);
  return {
    type: 'modal',
    callback_id: START_MODAL_CALLBACK_ID,
    private_metadata: encodeStartModalMetadata(metadata),
    title: { type: 'plain_text', text: 'Migrate to Pod Identity' },
    submit: { type: 'plain_text', text: 'Start migration' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      textInput(FIELD.serviceAccount, 'Service account', 'namespace/name', false),
      textInput(FIELD.role, 'IAM role ARN', 'arn:aws:iam::123456789012:role/name', false),
      clusterBlock,
      {
        type: 'input',
        block_id: FIELD.approvers,
        optional: true,
        label: { type: 'plain_text', text: 'Approvers (optional)' },
        hint: {
          type: 'plain_text',
          text: 'Empty: every approver the access policy gives this run. Pick some to narrow it; others are refused. You cannot approve your own run.',
        },
        element: { type: 'multi_users_select', action_id: ACTION, placeholder: { type: 'plain_text', text: 'People' } },
      },
      textInput(FIELD.consistencyWait, 'Consistency wait', '30s', true, 'Wait after creating the association'),
      textInput(FIELD.soak, 'Soak between clusters', '5m', true),
      {
        type: 'input',
        block_id: FIELD.onApprovalTimeout,
        optional: true,
        label: { type: 'plain_text', text: 'If nobody approves in time' },
        element: {
          type: 'static_select',
          action_id: ACTION,
          options: [option('hold', 'Hold: keep IRSA as is'), option('rollback', 'Roll back to IRSA')],
        },
      },
      ...(probes.length > 0 && probes.length <= LIMITS.staticSelectOptions
        ? [
            {
              type: 'input' as const,
              block_id: FIELD.probe,
              optional: true,
              label: { type: 'plain_text' as const, text: 'Verification probe' },
              hint: {
                type: 'plain_text' as const,
                text: 'Empty: aws sts get-caller-identity, checked against the role. Probes come from the access policy.',
              },
              element: {
                type: 'static_select' as const,
                action_id: ACTION,
                options: probes.map((p) => option(p)),
              },
            },
          ]
        : []),
      {
        type: 'input',
        block_id: FIELD.keepIrsaTrust,
        optional: true,
        label: { type: 'plain_text', text: 'Role trust' },
        element: {
          type: 'checkboxes',
          action_id: ACTION,
          options: [option('keep', 'Keep the IRSA trust statements after cleanup')],
        },
      },
    ],
  };
}

/** The subset of `view.state.values` entries the modal produces. */
export interface ModalValue {
  value?: string | null;
  selected_options?: { value: string }[] | null;
  selected_option?: { value: string } | null;
  selected_users?: string[] | null;
}

export type ModalValues = Record<string, Record<string, ModalValue | undefined> | undefined>;

/** The submitted form as command tokens, so it is validated exactly like the typed command. */
export function startModalTokens(values: ModalValues): string[] {
  const get = (block: string) => values[block]?.[ACTION];
  const text = (block: string) => get(block)?.value?.trim() ?? '';
  const clusterValue = get(FIELD.clusters);
  const clusters = clusterValue?.selected_options
    ? clusterValue.selected_options.map((o) => o.value).join(',')
    : text(FIELD.clusters);
  const tokens = [text(FIELD.serviceAccount), '--role', text(FIELD.role), '--clusters', clusters];
  const approvers = get(FIELD.approvers)?.selected_users ?? [];
  if (approvers.length) tokens.push('--approvers', approvers.join(','));
  for (const flag of [FIELD.consistencyWait, FIELD.soak]) {
    if (text(flag)) tokens.push(`--${flag}`, text(flag));
  }
  const probe = get(FIELD.probe)?.selected_option?.value;
  if (probe) tokens.push(`--${FIELD.probe}`, probe);
  const onTimeout = get(FIELD.onApprovalTimeout)?.selected_option?.value;
  if (onTimeout) tokens.push(`--${FIELD.onApprovalTimeout}`, onTimeout);
  if (get(FIELD.keepIrsaTrust)?.selected_options?.length) tokens.push(`--${FIELD.keepIrsaTrust}`);
  return tokens;
}

const FIELD_BLOCKS: Record<string, string> = {
  serviceAccount: FIELD.serviceAccount,
  role: FIELD.role,
  roleArn: FIELD.role,
  clusters: FIELD.clusters,
  approvers: FIELD.approvers,
  'consistency-wait': FIELD.consistencyWait,
  soak: FIELD.soak,
  'on-approval-timeout': FIELD.onApprovalTimeout,
  probe: FIELD.probe,
};

/** The block a validation error belongs to; problems no field owns go on the first field. */
export function blockForField(field: string | undefined): string {
  return (field && FIELD_BLOCKS[field]) || FIELD.serviceAccount;
}
