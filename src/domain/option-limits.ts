import { formatDuration } from './duration.js';
import { ValidationError } from './errors.js';
import type { MigrationOptions } from './types.js';

interface Limit {
  flag: string;
  maxSeconds: number;
}

type DurationOption =
  | 'consistencyWaitSeconds'
  | 'consistencyRetryWindowSeconds'
  | 'soakSeconds'
  | 'approvalWindowSeconds'
  | 'approvalReminderSeconds'
  | 'rolloutTimeoutSeconds';

/**
 * The longest each wait may be. A consistency wait of 36,500 days is a typo, not a plan:
 * rollback waits it out too, so it would hold a deleted association's pods that long.
 * Associations settle in seconds; a soak is days at most; an approval a month.
 */
export const DURATION_LIMITS: Record<DurationOption, Limit> = {
  consistencyWaitSeconds: { flag: 'consistency-wait', maxSeconds: 60 * 60 },
  consistencyRetryWindowSeconds: { flag: 'consistency-retry-window', maxSeconds: 60 * 60 },
  soakSeconds: { flag: 'soak', maxSeconds: 7 * 86_400 },
  approvalWindowSeconds: { flag: 'approval-window', maxSeconds: 30 * 86_400 },
  approvalReminderSeconds: { flag: 'approval-reminder', maxSeconds: 30 * 86_400 },
  // The rollout wait is one heartbeating activity; its own timeout leaves room above this.
  rolloutTimeoutSeconds: { flag: 'rollout-timeout', maxSeconds: 60 * 60 },
};

type EvidenceDurationOption = 'sdkAuditLookbackSeconds' | 'waitSeconds';

/**
 * The CloudTrail evidence waits (`MigrationOptions.evidence`). LookupEvents reads "the last 90
 * days" of event history (AWS CloudTrail API Reference, LookupEvents), so a longer SDK audit
 * lookback reads nothing more; CloudTrail delivers "within about 5 minutes" on average
 * (CloudTrail User Guide, "How CloudTrail works"), so a day of waiting is already generous.
 */
export const EVIDENCE_DURATION_LIMITS: Record<EvidenceDurationOption, Limit> = {
  sdkAuditLookbackSeconds: { flag: 'sdk-audit-lookback', maxSeconds: 90 * 86_400 },
  waitSeconds: { flag: 'evidence-wait', maxSeconds: 86_400 },
};

/** Throws a ValidationError naming the flag when a duration is negative or above its maximum. */
export function checkDurationLimits(options: MigrationOptions): void {
  const values: [number | undefined, Limit][] = [
    ...(Object.keys(DURATION_LIMITS) as DurationOption[]).map((key): [number | undefined, Limit] => [
      options[key],
      DURATION_LIMITS[key],
    ]),
    ...(Object.keys(EVIDENCE_DURATION_LIMITS) as EvidenceDurationOption[]).map((key): [number | undefined, Limit] => [
      options.evidence?.[key],
      EVIDENCE_DURATION_LIMITS[key],
    ]),
  ];
  for (const [value, { flag, maxSeconds }] of values) {
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new ValidationError(`--${flag} must be a whole, non-negative number of seconds, not ${value}`, flag);
    }
    if (value > maxSeconds) {
      throw new ValidationError(
        `--${flag} ${formatDuration(value)} is over the maximum of ${formatDuration(maxSeconds)}`,
        flag,
      );
    }
  }
}
