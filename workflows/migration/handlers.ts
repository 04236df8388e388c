import { log, setHandler } from '@temporalio/workflow';
import { approvalContextOf, decisionRefusal, describeRefusal, gateOutcome } from '../../src/domain/approval.js';
import { isTerminalPhase, type MigrationState } from '../../src/domain/migration-state.js';
import {
  abortSignal,
  auditSignal,
  decisionUpdate,
  type DecisionRequest,
  notifyTargetSignal,
  observationUpdate,
  type ObservationRequest,
  pauseSignal,
  resumeSignal,
  stateQuery,
} from '../messages.js';
import { nowIso } from '../state.js';
import type { MigrationRun } from './run.js';

/** The handlers of the messages defined in workflows/messages.ts, on one run. */
export function registerHandlers(run: MigrationRun): void {
  const { state } = run;

  setHandler(stateQuery, () => state, {
    description:
      'The whole migration state: phase, per-cluster steps with times, findings, approvals, audit trail, rollback note.',
  });
  setHandler(
    pauseSignal,
    (request) => {
      if (isTerminalPhase(state.phase) || run.handled(request.requestId)) return;
      state.paused = true;
      run.audit('pause', request);
      run.refresh();
    },
    { description: 'Pause at the next step boundary.' },
  );
  setHandler(
    resumeSignal,
    (request) => {
      if (run.handled(request.requestId)) return;
      state.paused = false;
      run.audit('resume', request);
      run.refresh();
    },
    { description: 'Resume a paused migration.' },
  );
  setHandler(
    abortSignal,
    (request) => {
      if (isTerminalPhase(state.phase) || state.rollbackAbortRequested) return;
      if (run.handled(request.requestId)) return;
      const abort = { by: request.by, reason: request.reason, at: nowIso() };
      // A second abort stops the rollback itself at its next wait (it says what it leaves behind).
      if (state.abortRequested || state.phase === 'RollingBack') state.rollbackAbortRequested = abort;
      else state.abortRequested = abort;
      run.audit('abort', request);
      run.refresh();
    },
    {
      description: 'Abort: stop at the next step boundary (or wait) and roll back; a second abort stops the rollback.',
    },
  );
  setHandler(
    notifyTargetSignal,
    ({ channel, threadTs }) => {
      state.slackThread = { ...state.slackThread, channel, threadTs };
    },
    { description: 'Where the Slack parent message of this migration is.' },
  );
  setHandler(
    auditSignal,
    (entry) => {
      if (!entry.refused) {
        log.warn('audit signal without a refusal ignored', { by: entry.by, action: entry.action });
        return;
      }
      run.audit(entry.action, entry);
    },
    { description: 'Record an attempt the Slack app or the CLI refused (who, what, from where, why).' },
  );
  setHandler(
    observationUpdate,
    (request) => {
      if (run.handled(request.requestId)) return state;
      const observation = state.observation;
      if (!observation) return state;
      const decision = {
        by: request.by,
        at: nowIso(),
        ...(request.reason !== undefined && { reason: request.reason }),
      };
      if (request.action === 'rollback') observation.rollbackRequested = decision;
      else observation.ended = { ...decision, early: true };
      run.audit(request.action === 'rollback' ? 'rollback' : 'end-observation', request);
      run.refresh();
      return state;
    },
    {
      description:
        'While observing: roll back to IRSA (exactly as before the migration), or end the observation early. Recorded in the audit trail.',
      validator: (request: ObservationRequest) => {
        if (run.handled(request.requestId)) return;
        const refusal = observationRefusal(state, request);
        if (refusal) throw new Error(refusal);
      },
    },
  );
  setHandler(
    decisionUpdate,
    (request) => {
      // A repeat of a request that already acted (a retried click, a replayed call) changes nothing.
      if (run.handled(request.requestId)) return state;
      const at = nowIso();
      const approvals = (state.approvals ??= []);
      // The same approver deciding the same way again counts once.
      if (!approvals.some((a) => a.by === request.by && a.decision === request.decision)) {
        approvals.push({
          decision: request.decision,
          by: request.by,
          at,
          ...(request.reason !== undefined && { reason: request.reason }),
          ...(request.requestId !== undefined && { requestId: request.requestId }),
        });
      }
      run.audit(request.decision, request);
      const outcome = gateOutcome(approvalContextOf(state));
      if (outcome !== 'open') {
        state.decision = {
          decision: outcome === 'approved' ? 'approve' : 'reject',
          by: request.by,
          reason: request.reason,
          at,
        };
      }
      run.refresh();
      return state;
    },
    {
      description:
        'Approve or reject cleanup (the run’s approvers only; never the requester approving). Closes on the run’s minimum of distinct approvals, or on any reject.',
      validator: (request: DecisionRequest) => {
        if (run.handled(request.requestId)) return;
        const context = approvalContextOf(state);
        const attempt = { by: request.by, decision: String(request.decision) };
        const refusal = decisionRefusal(context, attempt);
        if (refusal) throw new Error(describeRefusal(refusal, attempt, context));
      },
    },
  );
}

/** Why a rollback or an early end is refused now: outside the Observing phase, or once one was decided. */
function observationRefusal(state: MigrationState, request: ObservationRequest): string | undefined {
  if (request.action !== 'rollback' && request.action !== 'end') {
    return `unknown observation action "${String(request.action)}" (rollback or end)`;
  }
  const observation = state.observation;
  if (state.phase !== 'Observing' || !observation) {
    const now =
      state.phase === 'AwaitingApproval'
        ? ' (reject to roll back now)'
        : ['Preflight', 'Trust', 'Migrating'].includes(state.phase)
          ? ' (abort rolls back now)'
          : '';
    return `the migration is not observing (phase ${state.phase}): ${request.action === 'rollback' ? 'a rollback after cleanup' : 'ending the observation'} applies to the Observing phase only${now}`;
  }
  if (observation.rollbackRequested) {
    return `a rollback was already requested by ${observation.rollbackRequested.by} at ${observation.rollbackRequested.at}`;
  }
  if (observation.ended) return `the observation already ended at ${observation.ended.at}`;
  return undefined;
}
