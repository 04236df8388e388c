import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import {
  ROLE_LOCK_WORKFLOW_TYPE,
  roleLockRequestSignal,
  roleLockWorkflowId,
  type RoleLockRequest,
} from '../workflows/role-lock.js';

export function roleLockActivities() {
  return {
    /**
     * Queues the calling workflow for the role's lock: signal-with-start of the lock workflow
     * (workflows can signal, but not start-and-signal), on this worker's task queue. Retrying
     * is harmless: the lock queues a request id once.
     */
    async requestRoleLock(input: { roleArn: string; request: RoleLockRequest }): Promise<void> {
      const ctx = Context.current();
      await ctx.client.workflow.signalWithStart(ROLE_LOCK_WORKFLOW_TYPE, {
        workflowId: roleLockWorkflowId(input.roleArn),
        taskQueue: ctx.info.taskQueue,
        args: [{ queue: [] }],
        signal: roleLockRequestSignal,
        signalArgs: [input.request],
        staticSummary: `Serialises trust-policy writes on ${input.roleArn}`,
      });
    },

    /** The status of a lock holder's run (`RUNNING` while open; `NOT_FOUND` once gone from the namespace). */
    async runStatus(input: { workflowId: string; runId: string }): Promise<{ status: string }> {
      try {
        const { status } = await Context.current().client.workflow.getHandle(input.workflowId, input.runId).describe();
        return { status: status.name };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { status: 'NOT_FOUND' };
        throw err;
      }
    },
  };
}
