/**
 * One lock per IAM role, serialising trust-policy writes. UpdateAssumeRolePolicy replaces
 * the whole document, so two migrations writing one role at once (read, read, write,
 * write) lose the first write. The lock is a workflow (`role-lock:<role arn>`), as in
 * Temporal's mutex sample: it survives worker restarts, and it queues requesters in order.
 *
 * A requester's activity signal-with-starts it (`roleLockRequestSignal`); the lock signals
 * the requester back (`roleLockGrantedSignal`) when it is its turn, and waits for
 * `roleLockReleaseSignal`. A holder that never releases loses the lock after the lease.
 */
import {
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';

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
    if (!(await condition(() => released.has(next.requestId), ROLE_LOCK_LEASE_MS))) {
      log.warn('role lock: lease expired without a release', { holder: next });
    }
    released.delete(next.requestId);
    holder = undefined;
    if (workflowInfo().historyLength > MAX_HISTORY) {
      await continueAsNew<typeof roleLockWorkflow>({ queue });
    }
  }
}
