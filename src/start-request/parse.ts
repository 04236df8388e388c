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
  'probe',
  'approval-window',
  'approval-reminder',
  'on-approval-timeout',
  'rollout-timeout',
] as const;
export const START_BOOLEAN_FLAGS = ['keep-irsa-trust'] as const;

export const START_USAGE =
  '<namespace>/<service-account> --role <role-arn> --clusters a,b,c [--consistency-wait 30s] [--soak 5m] [--approvers u1,u2] [--probe <name>] [--keep-irsa-trust] [--approval-window 7d] [--approval-reminder 24h] [--on-approval-timeout hold|rollback] [--rollout-timeout 10m]';

const PROBE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Free-text commands in pods are gone: say what replaced them rather than "unknown option". */
function refuseVerifyCommand(tokens: readonly string[]): void {
  if (tokens.some((t) => t === '--verify-command' || t.startsWith('--verify-command='))) {
    throw new ValidationError(
      '--verify-command is no longer accepted: name a verification probe from the access policy with --probe <name>',
      'probe',
    );
  }
}

/**
 * Builds and validates a migration request from command-line tokens (CLI `start`/`plan`,
 * Slack `/migrate-identity`). Throws ValidationError naming the problem; nothing starts.
 * Outside the access policy (the CLI on the sandbox), the approvers are `--approvers`, else
 * the fleet defaults, plus `extraApprovers`. Under the policy (`approversFromPolicy`) they
 * are only what `--approvers` named, for src/access/start.ts to check and complete.
 */
export function buildMigrationInput(
  tokens: string[],
  ctx: {
    fleet: FleetFile;
    requestedBy: string;
    extraApprovers?: string[];
    notify?: NotifyTarget;
    requireApprovers?: boolean;
    approversFromPolicy?: boolean;
  },
): MigrationInput {
  refuseVerifyCommand(tokens);
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
  const named = str('approvers')?.split(',');
  const approvers = validateApprovers(
    ctx.approversFromPolicy ? (named ?? []) : [...(named ?? defaults.approvers ?? []), ...(ctx.extraApprovers ?? [])],
  );
  const requireApprovers = !ctx.approversFromPolicy && (ctx.requireApprovers ?? true);
  if (requireApprovers && approvers.filter((a) => a !== ctx.requestedBy).length === 0) {
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
  const verifyProbe = str('probe');
  if (verifyProbe !== undefined && !PROBE_NAME.test(verifyProbe)) {
    throw new ValidationError(
      `--probe "${verifyProbe}" is not a probe name (lowercase letters, digits and -)`,
      'probe',
    );
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
      ...(verifyProbe !== undefined && { verifyProbe }),
      keepIrsaTrust: flags['keep-irsa-trust'] === true,
      rolloutTimeoutSeconds: rolloutTimeout,
    },
  };
}

export { tokenize };
