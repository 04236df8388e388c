import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { FailureType, NON_RETRYABLE_FAILURES } from '../src/domain/failure-types.js';

/** Short AWS/Kubernetes API calls: throttling and 5xx retried with backoff, the rest straight to rollback. */
export const API_CALL: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 8,
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
  },
};

/** Polling slow infrastructure (rollouts): an activity that heartbeats, not a loop in the workflow. */
export const LONG_WAIT: ActivityOptions = {
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_FAILURES },
};

/**
 * A restart and the wait for its rollouts, one activity (OVERLAPPED_CALLS_PATCH), with the
 * credentials check after them (RESTART_AND_VERIFY_PATCH; it heartbeats while it checks): heartbeating
 * like LONG_WAIT, retried like API_CALL (a throttled or failed restart patch is retried with
 * backoff; the retry's restart is a no-op patch). A failed or overdue rollout is not retried.
 */
export const RESTART_AND_WAIT: ActivityOptions = {
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: API_CALL.retry,
};

/**
 * A verification pod: up to its deadline (2 min by default) plus a grace, heartbeating. A
 * worker that dies meanwhile stops heartbeating; the retry on another worker sweeps the pod
 * it left and starts again.
 */
export const PROBE_POD: ActivityOptions = {
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumAttempts: 4,
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
  },
};

/** Sweeping verification pods: housekeeping, never worth holding a phase (or a rollback) up for long. */
export const SWEEP_PODS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_FAILURES },
};

/** Compensations: more patient, since giving up means a human has to finish the job. */
export const COMPENSATION: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [FailureType.AccessDenied, FailureType.Validation],
  },
};

/** Notifications never fail a migration: a few tries, then a recorded warning. */
export const NOTIFY: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumAttempts: 4 },
};

/**
 * A run's held notifications in one delivery: NOTIFY's tries, heartbeating per event sent.
 * The heartbeat timeout outlasts one event's time on Slack, retries included (the Slack
 * notifier's DEFAULT_EVENT_BUDGET_MS), so a slow event does not time the delivery out and
 * have its retry post again what the attempt still running posts.
 */
export const NOTIFY_ALL: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: NOTIFY.retry,
};

/**
 * The activities with one option set and the summary the Temporal UI shows on the event:
 * `activities(API_CALL, 'create the association').createAssociation({ … })`. Typed from
 * their implementation, so go-to-definition lands on it.
 */
export function activities(options: ActivityOptions, summary: string) {
  return proxyActivities<Activities>({ ...options, summary });
}

/**
 * Fewer round trips through the server: a role-lock release goes out with the next command,
 * a trust re-check that finds the statement reads without the lock, and no verification pod
 * is scheduled on a worker without one. Runs started before it replay without, and their
 * replays still do.
 */
export const FEWER_ROUND_TRIPS_PATCH = 'fewer-round-trips';

/**
 * Calls that need not wait for each other share a round trip: the role's preflight checks
 * run side by side once the clusters are read, a phase's verification-pod sweep runs beside
 * its first steps (a verification pod waits for it), and a restart and its rollout wait are
 * one activity. Runs started before it replay without, and their replays still do.
 */
export const OVERLAPPED_CALLS_PATCH = 'overlapped-calls';

/**
 * A run's notifications are held until it next waits (a restart and its rollouts, a timer,
 * the gate, a pause, a lock grant, its end) or for NOTIFICATION_HOLD_MS at most, and go out
 * in one `notifyAll` delivery: a notification no longer completes while a short call is out,
 * which cost the run a workflow task on its critical path each time. Runs started before it
 * send one `notify` per event as they come, and their replays still do.
 */
export const HELD_NOTIFICATIONS_PATCH = 'held-notifications';

/** The longest a held notification waits for the run to wait (workflow time). */
export const NOTIFICATION_HOLD_MS = 2_000;

/**
 * A restart's verification runs in the restart's activity, once its rollouts are done
 * (`restartAwaitAndVerify`): the check no longer costs a round trip through the server after
 * each of a run's nine restarts. The verify step is recorded as before, from the check's
 * answer; a verification pod still runs as its own activity. Runs started before it restart
 * and verify in two activities, and their replays still do.
 */
export const RESTART_AND_VERIFY_PATCH = 'restart-and-verify';
