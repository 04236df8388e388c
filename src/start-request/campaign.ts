/**
 * A campaign request from command-line tokens (CLI `campaign plan|start`, Slack
 * `/migrate-identity campaign …`): first what can be checked without the fleet, then the
 * selection against the slices. Throws ValidationError naming the problem; nothing starts.
 */
import type { FleetFile } from '../config/index.js';
import { matchesPattern, type CampaignPolicy } from '../domain/campaign-policy.js';
import {
  CAMPAIGN_APPROVALS,
  CAMPAIGN_ID_PATTERN,
  DEFAULT_LIMITS,
  type CampaignApproval,
  type CampaignInput,
  type CampaignItem,
  type CampaignLimits,
} from '../domain/campaign.js';
import { parseDurationSeconds } from '../domain/duration.js';
import { ValidationError } from '../domain/errors.js';
import { checkDurationLimits } from '../domain/option-limits.js';
import { formatServiceAccountRef, parseServiceAccountRef, validateApprovers } from '../domain/names.js';
import { sliceItems, type Slices } from '../domain/slices.js';
import { DEFAULT_OPTIONS, type MigrationOptions, type NotifyTarget, type ServiceAccountRef } from '../domain/types.js';
import { EVIDENCE_VALUE_FLAGS, evidenceOptionsOf } from './parse.js';

export const CAMPAIGN_SELECTION_FLAGS = ['waves', 'namespaces', 'service-accounts'] as const;
export const CAMPAIGN_VALUE_FLAGS = [
  ...CAMPAIGN_SELECTION_FLAGS,
  'concurrency',
  'per-cluster',
  'failure-budget',
  'approval',
  'approvers',
  'id',
  'consistency-wait',
  'soak',
  'rollout-timeout',
  'approval-window',
  'on-approval-timeout',
  ...EVIDENCE_VALUE_FLAGS,
] as const;
export const CAMPAIGN_BOOLEAN_FLAGS = ['keep-irsa-trust'] as const;

/** Temporal's 2 MB payload limit holds the items and their progress up to about this many. */
export const MAX_CAMPAIGN_ITEMS = 3000;

export const CAMPAIGN_USAGE =
  '[--waves 1,2|all] [--namespaces a,b-*] [--service-accounts ns/a,ns/b] [--concurrency 5] [--per-cluster 2] [--failure-budget 3] [--approval wave|service-account] [--approvers u1,u2] [--id <name>] [--consistency-wait 30s] [--soak 5m] [--rollout-timeout 10m] [--approval-window 7d] [--on-approval-timeout hold|rollback] [--keep-irsa-trust] [--sdk-audit-lookback 24h] [--evidence-wait 15m] [--missing-evidence block|warn] [--verify-with pod|exec|both] [--observe 7d] [--observe-every 4h]';

export interface CampaignSelection {
  waves?: number[] | 'all';
  namespaces?: string[];
  serviceAccounts?: ServiceAccountRef[];
}

export interface CampaignRequest {
  selection: CampaignSelection;
  limits: CampaignLimits;
  approval: CampaignApproval;
  approvers: string[];
  campaignId?: string;
  options: MigrationOptions;
}

type Flags = Record<string, string | true>;

function text(flags: Flags, name: (typeof CAMPAIGN_VALUE_FLAGS)[number]): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}

function positive(flags: Flags, name: 'concurrency' | 'per-cluster' | 'failure-budget', fallback: number): number {
  const value = text(flags, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new ValidationError(`--${name} must be a whole number of at least 1, not "${value}"`, name);
  }
  return Number(value);
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function selectionOf(flags: Flags): CampaignSelection {
  const selection: CampaignSelection = {};
  const waves = text(flags, 'waves');
  if (waves !== undefined) {
    if (waves.trim() === 'all') selection.waves = 'all';
    else {
      const numbers = list(waves);
      if (numbers.length === 0 || numbers.some((n) => !/^\d+$/.test(n) || Number(n) < 1)) {
        throw new ValidationError(`--waves takes wave numbers (1,2) or all, not "${waves}"`, 'waves');
      }
      selection.waves = numbers.map(Number);
    }
  }
  const namespaces = text(flags, 'namespaces');
  if (namespaces !== undefined) {
    const patterns = list(namespaces);
    const bad = patterns.find((p) => !/^[a-z0-9*][-a-z0-9*]*$/.test(p));
    if (patterns.length === 0 || bad !== undefined) {
      throw new ValidationError(
        `--namespaces takes namespace names or patterns with * (payments,shop-*), not "${bad ?? namespaces}"`,
        'namespaces',
      );
    }
    selection.namespaces = patterns;
  }
  const accounts = text(flags, 'service-accounts');
  if (accounts !== undefined) {
    const refs = list(accounts).map(parseServiceAccountRef);
    if (refs.length === 0) throw new ValidationError('--service-accounts lists none', 'service-accounts');
    selection.serviceAccounts = refs;
  }
  return selection;
}

/**
 * Everything about the request that needs no inventory: selection syntax, caps, approval,
 * approvers (`--approvers`, else the fleet's defaults; under the access policy only the
 * named ones), waits.
 */
export function parseCampaignRequest(
  flags: Flags,
  ctx: {
    fleet: FleetFile;
    policy: CampaignPolicy;
    requestedBy: string;
    requireSelection: boolean;
    /** Under the access policy the approvers are only those `--approvers` named, for src/access/campaign.ts to check and complete. */
    approversFromPolicy?: boolean;
  },
): CampaignRequest {
  const selection = selectionOf(flags);
  if (ctx.requireSelection && Object.keys(selection).length === 0) {
    throw new ValidationError(
      'say what to migrate: --waves 1,2 (or all), --namespaces <patterns> or --service-accounts <ns/name,…>',
      'waves',
    );
  }
  const approval = text(flags, 'approval') ?? 'wave';
  if (!(CAMPAIGN_APPROVALS as readonly string[]).includes(approval)) {
    throw new ValidationError(`--approval must be wave or service-account, not "${approval}"`, 'approval');
  }
  const named = text(flags, 'approvers');
  const approvers = validateApprovers(
    named !== undefined ? list(named) : ctx.approversFromPolicy ? [] : (ctx.fleet.defaults.approvers ?? []),
  );
  if (!ctx.approversFromPolicy && approvers.filter((a) => a !== ctx.requestedBy).length === 0) {
    throw new ValidationError(
      approvers.length === 0
        ? 'no approvers: pass --approvers (or configure default approvers); every wave needs one'
        : `the only approver is the requester (${ctx.requestedBy}), who cannot approve their own campaign: add --approvers`,
      'approvers',
    );
  }
  const campaignId = text(flags, 'id');
  if (campaignId !== undefined && !CAMPAIGN_ID_PATTERN.test(campaignId)) {
    throw new ValidationError(
      `--id "${campaignId}" must be lowercase letters, digits and '-', at most 63, starting and ending with a letter or digit`,
      'id',
    );
  }
  const defaults = ctx.fleet.defaults;
  const seconds = (
    flag: 'consistency-wait' | 'soak' | 'rollout-timeout' | 'approval-window',
    fallback: string | number | undefined,
    base: number,
  ) => {
    const value = text(flags, flag) ?? fallback;
    if (value === undefined) return base;
    try {
      return parseDurationSeconds(String(value));
    } catch (err) {
      throw new ValidationError(`--${flag}: ${(err as Error).message}`, flag);
    }
  };
  const onTimeout =
    text(flags, 'on-approval-timeout') ?? defaults.onApprovalTimeout ?? DEFAULT_OPTIONS.onApprovalTimeout;
  if (onTimeout !== 'hold' && onTimeout !== 'rollback') {
    throw new ValidationError(
      `--on-approval-timeout must be hold or rollback, not "${onTimeout}"`,
      'on-approval-timeout',
    );
  }
  const rolloutTimeout = seconds('rollout-timeout', defaults.rolloutTimeout, DEFAULT_OPTIONS.rolloutTimeoutSeconds);
  if (rolloutTimeout <= 0) throw new ValidationError('--rollout-timeout must be more than 0', 'rollout-timeout');
  const options: MigrationOptions = {
    ...DEFAULT_OPTIONS,
    consistencyWaitSeconds: seconds(
      'consistency-wait',
      defaults.consistencyWait,
      DEFAULT_OPTIONS.consistencyWaitSeconds,
    ),
    soakSeconds: seconds('soak', defaults.soak, DEFAULT_OPTIONS.soakSeconds),
    approvalReminderSeconds: DEFAULT_OPTIONS.approvalReminderSeconds,
    approvalWindowSeconds: seconds('approval-window', defaults.approvalWindow, DEFAULT_OPTIONS.approvalWindowSeconds),
    onApprovalTimeout: onTimeout,
    keepIrsaTrust: flags['keep-irsa-trust'] === true,
    rolloutTimeoutSeconds: rolloutTimeout,
    approvers,
    // Every migration of the campaign gathers the same evidence and observes as long.
    ...evidenceOptionsOf(flags, defaults),
  };
  // The same limits as a single start's: a typo of a week is refused before anything starts.
  checkDurationLimits(options);
  return {
    selection,
    limits: {
      concurrency: positive(flags, 'concurrency', DEFAULT_LIMITS.concurrency),
      perCluster: positive(flags, 'per-cluster', DEFAULT_LIMITS.perCluster),
      failureBudget: positive(flags, 'failure-budget', DEFAULT_LIMITS.failureBudget),
    },
    approval: approval as CampaignApproval,
    approvers,
    ...(campaignId === undefined ? {} : { campaignId }),
    options,
  };
}

const nameOf = (sa: ServiceAccountRef) => formatServiceAccountRef(sa);

/**
 * The slices' items the selection names (every given filter must hold). A wave that does
 * not exist, a service account that is in no wave, or an empty result is an error saying why.
 */
export function selectItems(slices: Slices, selection: CampaignSelection): CampaignItem[] {
  const all = sliceItems(slices);
  const { waves, namespaces, serviceAccounts } = selection;
  if (Array.isArray(waves)) {
    const known = slices.waves.map((w) => w.wave);
    const missing = waves.filter((w) => !known.includes(w));
    if (missing.length > 0) {
      throw new ValidationError(
        `no wave ${missing.join(', ')}: the slices have ${known.length === 0 ? 'no waves' : `waves ${known.join(', ')}`}`,
        'waves',
      );
    }
  }
  for (const sa of serviceAccounts ?? []) {
    if (all.some((i) => nameOf(i.serviceAccount) === nameOf(sa))) continue;
    const excluded = slices.excluded.find((e) => e.serviceAccount === nameOf(sa));
    throw new ValidationError(
      excluded
        ? `${nameOf(sa)} is in no wave: ${excluded.reason}`
        : `${nameOf(sa)} is not in the inventory: no annotation, association or AWS credentials seen`,
      'service-accounts',
    );
  }
  const chosen = all.filter(
    (item) =>
      (waves === undefined || waves === 'all' || waves.includes(item.wave)) &&
      (namespaces === undefined || namespaces.some((p) => matchesPattern(p, item.serviceAccount.namespace))) &&
      (serviceAccounts === undefined || serviceAccounts.some((sa) => nameOf(sa) === nameOf(item.serviceAccount))),
  );
  if (chosen.length === 0) {
    throw new ValidationError('no migratable service account matches: see `migrate-identity slices`', 'waves');
  }
  if (chosen.length > MAX_CAMPAIGN_ITEMS) {
    throw new ValidationError(
      `${chosen.length} service accounts: a campaign takes at most ${MAX_CAMPAIGN_ITEMS}; select fewer waves or namespaces`,
      'waves',
    );
  }
  return chosen.map((item) => ({
    serviceAccount: item.serviceAccount,
    roleArn: item.roleArn,
    clusters: item.clusters,
    wave: item.wave,
  }));
}

export function campaignInputOf(
  request: CampaignRequest,
  items: CampaignItem[],
  ctx: { campaignId: string; requestedBy: string; notify?: NotifyTarget },
): CampaignInput {
  return {
    campaignId: request.campaignId ?? ctx.campaignId,
    requestedBy: ctx.requestedBy,
    items,
    approvers: request.approvers,
    approval: request.approval,
    limits: request.limits,
    options: request.options,
    ...(ctx.notify ? { notify: ctx.notify } : {}),
  };
}

/** A fresh campaign id: the day and a few random characters (`20250601-3f9a2c`). */
export function newCampaignId(now: Date, random: string): string {
  return `${now.toISOString().slice(0, 10).replace(/-/g, '')}-${random
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 6)}`;
}
