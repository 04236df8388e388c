import { Context } from '@temporalio/activity';
import type { MigrationState } from '../src/domain/migration-state.js';
import type { NotifyResult } from '../src/ports/notifier.js';
import { stateQuery } from '../workflows/messages.js';
import type { ActivityDeps } from './deps.js';
import type { NotifyRequest } from './types.js';

/** The calling workflow's state, through its `state` query (answered from the worker's cache, not history). */
async function currentState(): Promise<MigrationState> {
  const { client, info } = Context.current();
  const execution = info.workflowExecution;
  if (!execution) throw new Error('notify runs only as an activity of a migration workflow');
  return client.workflow.getHandle(execution.workflowId, execution.runId).query(stateQuery);
}

export function notifyActivities(deps: ActivityDeps) {
  return {
    /**
     * Never fails: a notifier outage becomes a warning in the migration state. The workflow
     * sends only the event; the state comes from the query, so recording events in history
     * costs the same for 3 clusters or 50 (scripts/bench-workflow-scale.ts).
     */
    async notify(request: NotifyRequest): Promise<NotifyResult> {
      try {
        const state = await (deps.readState ?? currentState)();
        return await deps.notifier.notify({ ...request, state });
      } catch (err) {
        return { warning: `notifier: ${(err as Error).message}` };
      }
    },
  };
}
