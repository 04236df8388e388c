import type { MigrationEvent, NotifierPort, NotifyResult } from '../ports/notifier.js';
import type { AppLogger } from './logger.js';

function actorOf(event: MigrationEvent): string | undefined {
  const { state } = event;
  if (event.kind === 'decision') return state.decision?.by;
  if (event.kind === 'started' || event.kind === 'preflight') return state.input.requestedBy;
  return state.abortRequested?.by;
}

/**
 * The worker's notifier without Slack in production: one JSON line per migration event,
 * with the run, the cluster, the step and the actor where the event has them.
 */
export function createLogNotifier(logger: AppLogger): NotifierPort {
  const log = logger.child({ source: 'migration' });
  return {
    notify(event: MigrationEvent): Promise<NotifyResult> {
      const { state } = event;
      const cluster = event.cluster ? state.clusters.find((c) => c.cluster === event.cluster) : undefined;
      const actor = actorOf(event);
      log.info(
        {
          event: event.kind,
          workflowId: state.workflowId,
          phase: state.phase,
          serviceAccount: `${state.input.serviceAccount.namespace}/${state.input.serviceAccount.name}`,
          ...(event.cluster ? { cluster: event.cluster } : {}),
          ...(cluster?.steps.at(-1) ? { step: cluster.steps.at(-1)?.step } : {}),
          ...(actor ? { actor } : {}),
        },
        event.text,
      );
      return Promise.resolve({});
    },
  };
}
