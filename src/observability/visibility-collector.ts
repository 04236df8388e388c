import type { Client } from '@temporalio/client';
import type { MigrationPhase, MigrationState } from '../domain/migration-state.js';
import { isTerminalPhase } from '../domain/migration-state.js';
import { stateQuery, WORKFLOW_TYPE } from '../../workflows/messages.js';
import { MigrationPhaseKey } from '../../workflows/search-attributes.js';
import type { AppLogger } from './logger.js';
import type { Metrics } from './metrics.js';

// A Record so that a phase added to MigrationPhase fails to compile here until it is counted.
const PHASES: Record<MigrationPhase, true> = {
  Preflight: true,
  Trust: true,
  Migrating: true,
  AwaitingApproval: true,
  CleaningUp: true,
  Observing: true,
  RollingBack: true,
  PreflightFailed: true,
  Completed: true,
  MigratedNotCleaned: true,
  RolledBack: true,
  RollbackFailed: true,
};

/** Waiting approvals whose state is queried for their age per collection; the rest count, unaged. */
const MAX_AGED_APPROVALS = 100;

export interface VisibilityCollector {
  /** One collection now (the loop also runs one every interval). */
  collect(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Keeps the migration gauges current from Temporal's visibility store: one count per
 * phase (the MigrationPhase search attribute the workflow upserts), and the waiting
 * approvals with their age (the `state` query's approval.requestedAt). Runs in the worker.
 */
export function startVisibilityCollector(deps: {
  client: Client;
  taskQueue: string;
  metrics: Metrics;
  intervalMs: number;
  logger?: AppLogger;
  now?: () => number;
}): VisibilityCollector {
  const { client, metrics } = deps;
  const now = deps.now ?? Date.now;
  const scope = `WorkflowType = "${WORKFLOW_TYPE}" AND TaskQueue = "${deps.taskQueue}"`;
  const phaseQuery = (phase: MigrationPhase) =>
    `${scope} AND ${MigrationPhaseKey.name} = "${phase}"` +
    // A run terminated mid-way keeps its last open phase: count open phases on running runs only.
    (isTerminalPhase(phase) ? '' : ' AND ExecutionStatus = "Running"');

  const countPhases = async () => {
    await Promise.all(
      (Object.keys(PHASES) as MigrationPhase[]).map(async (phase) => {
        const { count } = await client.workflow.count(phaseQuery(phase));
        metrics.migrations.set({ phase }, count);
      }),
    );
  };

  const ageApprovals = async () => {
    let waiting = 0;
    let oldest = 0;
    for await (const run of client.workflow.list({ query: phaseQuery('AwaitingApproval') })) {
      waiting += 1;
      if (waiting > MAX_AGED_APPROVALS) continue;
      let since = run.startTime.getTime();
      try {
        const state: MigrationState = await client.workflow.getHandle(run.workflowId, run.runId).query(stateQuery);
        if (state.approval) since = Date.parse(state.approval.requestedAt);
      } catch (err) {
        metrics.visibilityErrors.inc();
        deps.logger?.warn({ err, workflowId: run.workflowId }, 'approval age: state query failed, using start time');
      }
      oldest = Math.max(oldest, (now() - since) / 1000);
    }
    metrics.approvalsWaiting.set(waiting);
    metrics.approvalOldestWait.set(oldest);
  };

  let running: Promise<void> | undefined;
  const collect = (): Promise<void> => {
    running ??= Promise.all([countPhases(), ageApprovals()])
      .then(() => undefined)
      .catch((err: unknown) => {
        metrics.visibilityErrors.inc();
        deps.logger?.warn({ err }, 'visibility collection failed');
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void collect(), deps.intervalMs);
  timer.unref();
  void collect();
  return {
    collect,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
