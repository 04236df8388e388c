import { log, setHandler } from '@temporalio/workflow';
import { approvalContextOf, decisionRefusal, describeRefusal } from '../../src/domain/approval.js';
import { isTerminalPhase } from '../../src/domain/migration-state.js';
import {
  abortSignal,
  decisionUpdate,
  type DecisionRequest,
  notifyTargetSignal,
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
    description: 'The whole migration state: phase, per-cluster steps with times, findings, decision, rollback note.',
  });
  setHandler(
    pauseSignal,
    ({ by }) => {
      if (isTerminalPhase(state.phase)) return;
      state.paused = true;
      log.info('paused', { by });
      run.refresh();
    },
    { description: 'Pause at the next step boundary.' },
  );
  setHandler(
    resumeSignal,
    ({ by }) => {
      state.paused = false;
      log.info('resumed', { by });
      run.refresh();
    },
    { description: 'Resume a paused migration.' },
  );
  setHandler(
    abortSignal,
    (request) => {
      if (isTerminalPhase(state.phase)) return;
      const abort = { by: request.by, reason: request.reason, at: nowIso() };
      // A second abort stops the rollback itself at its next wait (it says what it leaves behind).
      if (state.abortRequested || state.phase === 'RollingBack') state.rollbackAbortRequested ??= abort;
      else state.abortRequested = abort;
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
    decisionUpdate,
    (request) => {
      state.decision = { decision: request.decision, by: request.by, reason: request.reason, at: nowIso() };
      run.refresh();
      return state;
    },
    {
      description: 'Approve or reject cleanup (approvers only; never the requester approving their own migration).',
      validator: (request: DecisionRequest) => {
        const context = approvalContextOf(state);
        const attempt = { by: request.by, decision: String(request.decision) };
        const refusal = decisionRefusal(context, attempt);
        if (refusal) throw new Error(describeRefusal(refusal, attempt, context));
      },
    },
  );
}
