/**
 * One lock per IAM role, serialising trust-policy writes. UpdateAssumeRolePolicy replaces
 * the whole document, so two migrations writing one role at once (read, read, write,
 * write) lose the first write. The lock is a workflow (`role-lock:<role arn>`), as in
 * Temporal's mutex sample: it survives worker restarts, and it queues requesters in order.
 *
 * A requester's activity signal-with-starts it (`roleLockRequestSignal`); the lock signals
 * the requester back (`roleLockGrantedSignal`) when it is its turn, and waits for
 * `roleLockReleaseSignal`. A holder whose run closes without releasing (terminated, timed
 * out) frees the lock within seconds: a hold that lasts longer than a trust write should
 * makes the lock look at the holder's run. A holder that runs on and never releases loses
 * the lock after the lease.
 */
import {
  type ActivityOptions,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { activities } from './activity-options.js';

export const ROLE_LOCK_WORKFLOW_TYPE = 'roleLockWorkflow';

export function roleLockWorkflowId(roleArn: string): string {
  return `role-lock:${roleArn}`;
}

export interface RoleLockRequest {
  /** Unique per acquisition; the release names it. */
  requestId: string;
  workflowId: string;
  runId: string;
  /** What the holder will do, for the query and the logs. */
  purpose: string;
}

export const roleLockRequestSignal = defineSignal<[RoleLockRequest]>('roleLockRequest');
export const roleLockReleaseSignal = defineSignal<[{ requestId: string }]>('roleLockRelease');
/** Sent by the lock to the requester's workflow. */
export const roleLockGrantedSignal = defineSignal<[{ requestId: string }]>('roleLockGranted');
export interface RoleLockState {
  holder?: RoleLockRequest;
  queue: RoleLockRequest[];
}
export const roleLockStateQuery = defineQuery<RoleLockState>('roleLockState');

/** A trust write takes seconds; retries with backoff take minutes. A holder gone for longer loses the lock. */
export const ROLE_LOCK_LEASE_MS = 15 * 60 * 1000;
/** With nobody waiting for this long, the lock workflow ends; the next request starts it again. */
const IDLE_MS = 10 * 60 * 1000;
const MAX_HISTORY = 2000;

/**
 * How long a hold runs before the lock asks whether the holder's run is still open, and
 * how often after that. A hold takes well under this (a read and a write), so a normal hold
 * costs no check; a holder terminated while holding frees the lock within this.
 */
const HOLDER_CHECK_MS = 10_000;

/** One look at the holder's run; on failure the lease still bounds the hold. */
const HOLDER_CHECK: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3 },
};

/**
 * Waits until `next` releases, its run closes without releasing (terminated, timed out: no
 * finally ran), or the lease ends. Returns which.
 */
async function hold(next: RoleLockRequest, released: Set<string>): Promise<'released' | 'closed' | 'expired'> {
  const leaseEnds = Date.now() + ROLE_LOCK_LEASE_MS;
  for (;;) {
    const left = leaseEnds - Date.now();
    if (left <= 0) return 'expired';
    if (await condition(() => released.has(next.requestId), Math.min(HOLDER_CHECK_MS, left))) return 'released';
    try {
      const { status } = await activities(HOLDER_CHECK, `is ${next.workflowId} still running`).runStatus({
        workflowId: next.workflowId,
        runId: next.runId,
      });
      if (status !== 'RUNNING' && !released.has(next.requestId)) {
        log.warn('role lock: the holder closed without releasing', { holder: next, status });
        return 'closed';
      }
    } catch (err) {
      log.warn('role lock: cannot see whether the holder still runs', { holder: next, error: String(err) });
    }
  }
}

export async function roleLockWorkflow(carried: { queue: RoleLockRequest[] } = { queue: [] }): Promise<void> {
  const queue = [...carried.queue];
  const released = new Set<string>();
  let holder: RoleLockRequest | undefined;

  setHandler(
    roleLockRequestSignal,
    (request) => {
      // A retried request activity signals twice: queue it once.
      if (holder?.requestId === request.requestId || queue.some((q) => q.requestId === request.requestId)) return;
      if (released.delete(request.requestId)) return;
      queue.push(request);
    },
    { description: 'Queue for the lock; the requester is signalled roleLockGranted when it holds it.' },
  );
  setHandler(
    roleLockReleaseSignal,
    ({ requestId }) => {
      const queued = queue.findIndex((q) => q.requestId === requestId);
      // Withdrawn before its turn (the requester stopped waiting): drop it.
      if (queued >= 0) queue.splice(queued, 1);
      else released.add(requestId);
    },
    { description: 'Release the lock (or withdraw a request still queued).' },
  );
  setHandler(roleLockStateQuery, () => ({ ...(holder && { holder }), queue }), {
    description: 'Who holds the lock and who waits for it.',
  });

  for (;;) {
    if (!(await condition(() => queue.length > 0, IDLE_MS))) return;
    const next = queue.shift();
    if (next === undefined) continue;
    holder = next;
    try {
      await getExternalWorkflowHandle(next.workflowId, next.runId).signal(roleLockGrantedSignal, {
        requestId: next.requestId,
      });
    } catch (err) {
      // The requester is gone (it ended, or was terminated): next one.
      log.warn('role lock: requester gone', { requester: next, error: String(err) });
      holder = undefined;
      continue;
    }
    if ((await hold(next, released)) === 'expired') {
      log.warn('role lock: lease expired without a release', { holder: next });
    }
    released.delete(next.requestId);
    holder = undefined;
    if (workflowInfo().historyLength > MAX_HISTORY) {
      await continueAsNew<typeof roleLockWorkflow>({ queue });
    }
  }
}
