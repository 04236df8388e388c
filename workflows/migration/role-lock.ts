import {
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  log,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import { FailureType } from '../../src/domain/failure-types.js';
import { activities, API_CALL, COMPENSATION, FEWER_ROUND_TRIPS_PATCH } from '../activity-options.js';
import { ROLE_LOCK_LEASE_MS, roleLockReleaseSignal, roleLockWorkflowId } from '../role-lock.js';
import type { MigrationRun } from './run.js';

/** Longer than a lease: a lock that does not come by then is stuck, and waiting on would hide it. */
const GRANT_TIMEOUT_MS = 2 * ROLE_LOCK_LEASE_MS;

/**
 * Runs `body` (reads and writes of the role's trust policy) holding the role's lock, so no
 * other migration of the same role writes in between. `stop` ends the wait for the lock
 * early (an abort); the request is then withdrawn and `undefined` returned.
 */
export async function withRoleLock<T>(
  run: MigrationRun,
  purpose: string,
  body: () => Promise<T>,
  options: { stop?: () => boolean; compensation?: boolean } = {},
): Promise<T | undefined> {
  const roleArn = run.input.roleArn;
  const { workflowId, runId } = workflowInfo();
  const requestId = run.nextLockRequestId();
  const lock = getExternalWorkflowHandle(roleLockWorkflowId(roleArn));
  const release = () =>
    CancellationScope.nonCancellable(() => lock.signal(roleLockReleaseSignal, { requestId })).catch((err: unknown) =>
      log.warn('role lock: release not delivered', { requestId, error: String(err) }),
    );
  // Whatever ends the wait or the hold (a release, an abort, a failure, a Temporal cancel),
  // the lock hears of it: a request left queued would be granted to a run that no longer
  // waits, and hold the role for a lease. A terminated run runs no finally; the lock watches
  // its holder's run for that.
  try {
    await activities(
      options.compensation ? COMPENSATION : API_CALL,
      `queue for the trust lock of ${roleArn}`,
    ).requestRoleLock({
      roleArn,
      request: { requestId, workflowId, runId, purpose },
    });
    const stop = options.stop ?? (() => false);
    run.sendHeld();
    const granted = await condition(() => run.lockGrants.has(requestId) || stop(), GRANT_TIMEOUT_MS);
    if (!run.lockGrants.has(requestId)) {
      if (granted) return undefined;
      throw ApplicationFailure.create({
        type: FailureType.Timeout,
        message: `the trust lock of ${roleArn} (workflow ${roleLockWorkflowId(roleArn)}) was not granted within ${GRANT_TIMEOUT_MS / 60_000} minutes`,
        nonRetryable: true,
      });
    }
    return await body();
  } finally {
    run.lockGrants.delete(requestId);
    // The release goes out with the run's next command and the run goes on at once (a
    // workflow task fewer per hold); the run waits for its releases before it returns.
    if (patched(FEWER_ROUND_TRIPS_PATCH)) run.releaseInBackground(release());
    else await release();
  }
}
