import type { FleetFile } from '../config/index.js';
import type { EvidenceOptions } from '../domain/cloudtrail-evidence.js';
import { parseDurationSeconds } from '../domain/duration.js';
import { ValidationError } from '../domain/errors.js';
import { checkDurationLimits } from '../domain/option-limits.js';
import { parseClusterList, parseRoleArn, parseServiceAccountRef, validateApprovers } from '../domain/names.js';
import type { ObservationOptions } from '../domain/observation.js';
import { DEFAULT_OPTIONS, type MigrationInput, type NotifyTarget } from '../domain/types.js';
import { parseFlags, tokenize } from './args.js';

/** The flags of the evidence, the verification and the Observing phase: a single start's and a campaign's. */
export const EVIDENCE_VALUE_FLAGS = [
  'sdk-audit-lookback',
  'evidence-wait',
  'missing-evidence',
  'verify-with',
  'observe',
  'observe-every',
] as const;
type EvidenceFlag = (typeof EVIDENCE_VALUE_FLAGS)[number];

export const START_VALUE_FLAGS = [
  'role',
  'clusters',
  'consistency-wait',
  'consistency-retry-window',
  'soak',
  'approvers',
  'probe',
  'approval-window',
  'approval-reminder',
  'on-approval-timeout',
  'rollout-timeout',
  'target-role',
  ...EVIDENCE_VALUE_FLAGS,
] as const;
export const START_BOOLEAN_FLAGS = [
  'keep-irsa-trust',
  'unscoped-trust',
  'disable-session-tags',
  'accept-shared-role',
] as const;

export const START_USAGE =
  '<namespace>/<service-account> --role <role-arn> --clusters a,b,c [--consistency-wait 30s] [--consistency-retry-window 5m] [--soak 5m] [--approvers u1,u2] [--probe <name>] [--keep-irsa-trust] [--unscoped-trust] [--disable-session-tags] [--target-role <role-arn>] [--approval-window 7d] [--approval-reminder 24h] [--on-approval-timeout hold|rollback] [--rollout-timeout 10m] [--sdk-audit-lookback 24h] [--evidence-wait 15m] [--missing-evidence block|warn] [--verify-with pod|exec|both] [--accept-shared-role] [--observe 7d] [--observe-every 4h]';

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
  const roleParts = parseRoleArn(role);
  const targetRole = str('target-role');
  if (targetRole !== undefined) checkTargetRole(targetRole, role, roleParts.partition);
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
  const evidence = evidenceOptionsOf(flags, defaults);
  const { verifyWith } = evidence;
  // A named probe runs in the app's own pods; the verification pod runs the platform's image.
  if (verifyProbe !== undefined && verifyWith === 'pod') {
    throw new ValidationError(
      `--probe ${verifyProbe} runs in the app's pods, which --verify-with pod leaves out: use exec or both`,
      'probe',
    );
  }
  const reminder = seconds('approval-reminder', defaults.approvalReminder, DEFAULT_OPTIONS.approvalReminderSeconds);
  if (reminder <= 0) throw new ValidationError('--approval-reminder must be more than 0', 'approval-reminder');
  const rolloutTimeout = seconds('rollout-timeout', defaults.rolloutTimeout, DEFAULT_OPTIONS.rolloutTimeoutSeconds);
  if (rolloutTimeout <= 0) throw new ValidationError('--rollout-timeout must be more than 0', 'rollout-timeout');
  const retryWindow = str('consistency-retry-window');
  const options: MigrationInput['options'] = {
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
    ...(retryWindow !== undefined && {
      consistencyRetryWindowSeconds: seconds('consistency-retry-window', retryWindow, 0),
    }),
    // Set only when given, so a run started without them records the defaults as before.
    ...(flags['unscoped-trust'] === true && { unscopedTrust: true }),
    ...(flags['disable-session-tags'] === true && { disableSessionTags: true }),
    ...(targetRole !== undefined && { targetRoleArn: targetRole }),
    // Only what was asked for: the rest takes EVIDENCE_DEFAULTS when the run uses it.
    ...evidence,
    ...(flags['accept-shared-role'] === true && { acceptSharedRole: true }),
  };
  checkDurationLimits(options);
  return { serviceAccount, roleArn: role, clusters, requestedBy: ctx.requestedBy, notify: ctx.notify, options };
}

/** A target role is another role of the same partition: STS chains roles within one partition. */
function checkTargetRole(targetRole: string, role: string, partition: string): void {
  let target;
  try {
    target = parseRoleArn(targetRole);
  } catch (err) {
    if (err instanceof ValidationError) throw new ValidationError(`--target-role: ${err.message}`, 'target-role');
    throw err;
  }
  if (targetRole === role) {
    throw new ValidationError('--target-role is the --role itself: leave it out', 'target-role');
  }
  if (target.partition !== partition) {
    throw new ValidationError(
      `--target-role is in partition ${target.partition}, --role in ${partition}: a role can only chain to a role of its own partition`,
      'target-role',
    );
  }
}

export { tokenize };

/**
 * `MigrationOptions.evidence`, `verifyWith` and `observation` from their flags (`--verify-with`
 * else the fleet's default), set only when given so a run records the defaults as before.
 * Throws ValidationError naming the flag.
 */
export function evidenceOptionsOf(
  flags: Record<string, string | true>,
  defaults: { verifyWith?: string },
): Pick<MigrationInput['options'], 'evidence' | 'verifyWith' | 'observation'> {
  const str = (flag: EvidenceFlag) => (typeof flags[flag] === 'string' ? flags[flag] : undefined);
  const seconds = (flag: EvidenceFlag) => {
    try {
      return parseDurationSeconds(String(str(flag)));
    } catch (err) {
      throw new ValidationError(`--${flag}: ${(err as Error).message}`, flag);
    }
  };
  const evidence: Partial<EvidenceOptions> = {};
  if (str('sdk-audit-lookback') !== undefined) evidence.sdkAuditLookbackSeconds = seconds('sdk-audit-lookback');
  if (str('evidence-wait') !== undefined) evidence.waitSeconds = seconds('evidence-wait');
  const missing = str('missing-evidence');
  if (missing !== undefined) {
    if (missing !== 'block' && missing !== 'warn') {
      throw new ValidationError(`--missing-evidence must be block or warn, not "${missing}"`, 'missing-evidence');
    }
    evidence.missing = missing;
  }
  const verifyWith = str('verify-with') ?? defaults.verifyWith;
  if (verifyWith !== undefined && verifyWith !== 'pod' && verifyWith !== 'exec' && verifyWith !== 'both') {
    throw new ValidationError(`--verify-with must be pod, exec or both, not "${verifyWith}"`, 'verify-with');
  }
  // What is not given, the worker's fleet decides.
  const observation: Partial<ObservationOptions> = {};
  if (str('observe') !== undefined) observation.durationSeconds = seconds('observe');
  if (str('observe-every') !== undefined) {
    observation.sampleSeconds = seconds('observe-every');
    if (observation.sampleSeconds <= 0)
      throw new ValidationError('--observe-every must be more than 0', 'observe-every');
  }
  return {
    ...(Object.keys(evidence).length > 0 && { evidence }),
    ...(verifyWith !== undefined && { verifyWith }),
    ...(Object.keys(observation).length > 0 && { observation }),
  };
}
