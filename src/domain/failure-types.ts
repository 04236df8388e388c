/**
 * The one list of failure types: those activities raise, which workflows name in retry
 * policies (`nonRetryableErrorTypes`), and the workflow's own outcomes (abort, reject, a
 * rollback that needs a human). The failure recorded in state has one of these types.
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
  /** The workflow's outcomes, not raised by activities. */
  Aborted: 'Aborted',
  Rejected: 'Rejected',
  /** Someone asked for a rollback during the Observing phase (after cleanup). */
  RollbackRequested: 'RollbackRequested',
  RollbackFailed: 'RollbackFailed',
} as const;

export type FailureType = (typeof FailureType)[keyof typeof FailureType];

const FAILURE_TYPES: readonly string[] = Object.values(FailureType);

export function isFailureType(value: string): value is FailureType {
  return FAILURE_TYPES.includes(value);
}

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
