import type { FleetFile } from '../config/index.js';
import { parseDurationSeconds } from '../domain/duration.js';
import { ValidationError } from '../domain/errors.js';
import { parseClusterList, parseRoleArn, parseServiceAccountRef, validateApprovers } from '../domain/names.js';
import { DEFAULT_OPTIONS, type MigrationInput, type NotifyTarget } from '../domain/types.js';
import { parseFlags, tokenize } from './args.js';

export const START_VALUE_FLAGS = [
  'role',
  'clusters',
  'consistency-wait',
  'soak',
  'approvers',
  'verify-command',
  'approval-window',
  'approval-reminder',
  'on-approval-timeout',
  'rollout-timeout',
  'verify-with',
] as const;
export const START_BOOLEAN_FLAGS = ['keep-irsa-trust', 'accept-shared-role'] as const;

export const START_USAGE =
  '<namespace>/<service-account> --role <role-arn> --clusters a,b,c [--consistency-wait 30s] [--soak 5m] [--approvers u1,u2] [--verify-command "cmd args"] [--keep-irsa-trust] [--approval-window 7d] [--approval-reminder 24h] [--on-approval-timeout hold|rollback] [--rollout-timeout 10m] [--verify-with pod|exec|both] [--accept-shared-role]';

/**
 * Builds and validates a migration request from command-line tokens (CLI `start`/`plan`,
 * Slack `/migrate-identity`). Throws ValidationError naming the problem; nothing starts.
 * `extraApprovers` come from configuration (e.g. Slack approvers) and join the fleet defaults.
 */
export function buildMigrationInput(
  tokens: string[],
  ctx: {
    fleet: FleetFile;
    requestedBy: string;
    extraApprovers?: string[];
    notify?: NotifyTarget;
    requireApprovers?: boolean;
  },
): MigrationInput {
  const { positionals, flags } = parseFlags(tokens, { values: START_VALUE_FLAGS, booleans: START_BOOLEAN_FLAGS });
  if (positionals.length !== 1) {
    throw new ValidationError(
      positionals.length === 0
        ? `missing <namespace>/<service-account>; usage: ${START_USAGE}`
        : `expected one <namespace>/<service-account>, got ${positionals.length}: ${positionals.join(' ')}`,
    );
  }
  const serviceAccount = parseServiceAccountRef(positionals[0] ?? '');
  const str = (name: (typeof START_VALUE_FLAGS)[number]) => (typeof flags[name] === 'string' ? flags[name] : undefined);
  const role = str('role');
  if (!role) throw new ValidationError('missing --role <role-arn>', 'role');
  parseRoleArn(role);
  const clustersText = str('clusters');
  if (!clustersText) throw new ValidationError('missing --clusters a,b,c', 'clusters');
  const clusters = parseClusterList(
    clustersText,
    ctx.fleet.clusters.map((c) => c.name),
  );
  const defaults = ctx.fleet.defaults;
  const seconds = (flag: (typeof START_VALUE_FLAGS)[number], fallback: string | number | undefined, base: number) => {
    const text = str(flag) ?? fallback;
    if (text === undefined) return base;
    try {
      return parseDurationSeconds(String(text));
    } catch (err) {
      throw new ValidationError(`--${flag}: ${(err as Error).message}`, flag);
    }
  };
  const approvers = validateApprovers([
    ...(str('approvers')?.split(',') ?? defaults.approvers ?? []),
    ...(ctx.extraApprovers ?? []),
  ]);
  if ((ctx.requireApprovers ?? true) && approvers.filter((a) => a !== ctx.requestedBy).length === 0) {
    throw new ValidationError(
      approvers.length === 0
        ? 'no approvers: pass --approvers (or configure default approvers); cleanup needs someone to approve it'
        : `the only approver is the requester (${ctx.requestedBy}), who cannot approve their own migration: add --approvers`,
      'approvers',
    );
  }
  const onTimeout = str('on-approval-timeout') ?? defaults.onApprovalTimeout ?? DEFAULT_OPTIONS.onApprovalTimeout;
  if (onTimeout !== 'hold' && onTimeout !== 'rollback') {
    throw new ValidationError(
      `--on-approval-timeout must be hold or rollback, not "${onTimeout}"`,
      'on-approval-timeout',
    );
  }
  const verifyText = str('verify-command');
  const verifyCommand = verifyText !== undefined ? tokenize(verifyText) : undefined;
  if (verifyCommand && verifyCommand.length === 0)
    throw new ValidationError('--verify-command is empty', 'verify-command');
  const verifyWith = str('verify-with') ?? defaults.verifyWith;
  if (verifyWith !== undefined && verifyWith !== 'pod' && verifyWith !== 'exec' && verifyWith !== 'both') {
    throw new ValidationError(`--verify-with must be pod, exec or both, not "${verifyWith}"`, 'verify-with');
  }
  const reminder = seconds('approval-reminder', defaults.approvalReminder, DEFAULT_OPTIONS.approvalReminderSeconds);
  if (reminder <= 0) throw new ValidationError('--approval-reminder must be more than 0', 'approval-reminder');
  const rolloutTimeout = seconds('rollout-timeout', defaults.rolloutTimeout, DEFAULT_OPTIONS.rolloutTimeoutSeconds);
  if (rolloutTimeout <= 0) throw new ValidationError('--rollout-timeout must be more than 0', 'rollout-timeout');
  return {
    serviceAccount,
    roleArn: role,
    clusters,
    requestedBy: ctx.requestedBy,
    notify: ctx.notify,
    options: {
      consistencyWaitSeconds: seconds(
        'consistency-wait',
        defaults.consistencyWait,
        DEFAULT_OPTIONS.consistencyWaitSeconds,
      ),
      soakSeconds: seconds('soak', defaults.soak, DEFAULT_OPTIONS.soakSeconds),
      approvers,
      approvalReminderSeconds: reminder,
      approvalWindowSeconds: seconds('approval-window', defaults.approvalWindow, DEFAULT_OPTIONS.approvalWindowSeconds),
      onApprovalTimeout: onTimeout,
      verifyCommand,
      keepIrsaTrust: flags['keep-irsa-trust'] === true,
      rolloutTimeoutSeconds: rolloutTimeout,
      ...(verifyWith === undefined ? {} : { verifyWith }),
      ...(flags['accept-shared-role'] === true ? { acceptSharedRole: true } : {}),
    },
  };
}

export { tokenize };
