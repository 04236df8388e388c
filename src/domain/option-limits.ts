import { formatDuration } from './duration.js';
import { ValidationError } from './errors.js';
import { MAX_SAMPLES, OBSERVATION_DEFAULTS } from './observation.js';
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

type ObservationDurationOption = 'durationSeconds' | 'sampleSeconds';

/**
 * The Observing phase (`MigrationOptions.observation`): the seed's "first 7 days", up to a
 * month; a sample at least once a day (CloudTrail keeps 90 days, but a sample reads its whole
 * window at two requests a second).
 */
export const OBSERVATION_DURATION_LIMITS: Record<ObservationDurationOption, Limit> = {
  durationSeconds: { flag: 'observe', maxSeconds: 30 * 86_400 },
  sampleSeconds: { flag: 'observe-every', maxSeconds: 86_400 },
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
    ...(Object.keys(OBSERVATION_DURATION_LIMITS) as ObservationDurationOption[]).map(
      (key): [number | undefined, Limit] => [options.observation?.[key], OBSERVATION_DURATION_LIMITS[key]],
    ),
  ];
  checkSampleCount(options);
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

/** An observation whose window holds more samples than one run's history can: refused, naming both flags. */
function checkSampleCount(options: MigrationOptions): void {
  const { durationSeconds, sampleSeconds } = { ...OBSERVATION_DEFAULTS, ...options.observation };
  if (durationSeconds <= 0 || sampleSeconds <= 0) return;
  const samples = Math.ceil(durationSeconds / sampleSeconds);
  if (samples > MAX_SAMPLES) {
    throw new ValidationError(
      `--observe ${formatDuration(durationSeconds)} with a sample every ${formatDuration(sampleSeconds)} is ${samples} samples, over the ${MAX_SAMPLES} one run holds: sample less often (--observe-every)`,
      'observe-every',
    );
  }
}
