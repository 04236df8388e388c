import type { ActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_FAILURES } from '../../src/domain/failure-types.js';

/**
 * Reading one whole cluster: minutes on a big one, so it heartbeats; throttling and 5xx
 * back off up to two minutes between tries before the cluster is reported unreadable.
 */
export const CLUSTER_SCAN: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '2 minutes',
    maximumAttempts: 6,
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
  },
};

/** IAM reads for the account or a batch of roles: IAM throttles early, so the same patience. */
export const IAM_SCAN: ActivityOptions = { ...CLUSTER_SCAN, startToCloseTimeout: '15 minutes' };

/** Asking Temporal which migrations run: one quick try or two, then the report says it could not tell. */
export const LOOKUP: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 2 },
};

/** Deleting verification pods past their deadline: best effort, the next scan tries again. */
export const SWEEP: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', maximumAttempts: 2, nonRetryableErrorTypes: NON_RETRYABLE_FAILURES },
};
