/**
 * The one list of failure types activities raise. Workflows use the names in retry
 * policies (`nonRetryableErrorTypes`) and in the failure recorded in state.
 */
export const FailureType = {
  AccessDenied: 'AccessDenied',
  Validation: 'ValidationFailed',
  NotFound: 'NotFound',
  Conflict: 'Conflict',
  LimitExceeded: 'LimitExceeded',
  Throttled: 'Throttled',
  Unavailable: 'Unavailable',
  Timeout: 'Timeout',
  RolloutFailed: 'RolloutFailed',
  VerificationFailed: 'VerificationFailed',
  Unknown: 'Unknown',
} as const;

export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** Failures that retrying cannot fix: they go straight to rollback. */
export const NON_RETRYABLE_FAILURES: FailureType[] = [
  FailureType.AccessDenied,
  FailureType.Validation,
  FailureType.NotFound,
  FailureType.Conflict,
  FailureType.LimitExceeded,
  FailureType.RolloutFailed,
  FailureType.VerificationFailed,
];
