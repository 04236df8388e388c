import { setHandler } from '@temporalio/workflow';
import { isTerminalCampaignPhase, waveApprovalRefusal } from '../../src/domain/campaign.js';
import { nowIso } from '../state.js';
import {
  abortCampaignSignal,
  approveWaveUpdate,
  campaignStateQuery,
  migrationObservingSignal,
  pauseCampaignSignal,
  resumeCampaignSignal,
  type WaveApprovalRequest,
} from './messages.js';
import type { CampaignRun } from './run.js';

/** The handlers of the messages defined in workflows/campaign/messages.ts, on one run. */
export function registerCampaignHandlers(run: CampaignRun): void {
  const { state } = run;
  const over = () => isTerminalCampaignPhase(state.phase) || state.abortRequested !== undefined;

  setHandler(campaignStateQuery, () => state, {
    description: 'The campaign: every migration with its progress, the wave approvals, the pause and abort.',
  });
  setHandler(
    approveWaveUpdate,
    (request) => {
      const wave = state.wave ?? 0;
      state.approvals.push({ wave, by: request.by, at: nowIso(), ...(request.reason && { reason: request.reason }) });
      run.notify('approved', `wave ${wave} approved by ${request.by}${request.reason ? `: ${request.reason}` : ''}`);
      run.changed();
      return state;
    },
    {
      description: "Approve the wave waiting for approval (the campaign's approvers, never its requester).",
      validator: (request: WaveApprovalRequest) => {
        const refusal = waveApprovalRefusal(state, request);
        if (refusal) throw new Error(refusal);
      },
    },
  );
  setHandler(
    pauseCampaignSignal,
    ({ by, reason }) => {
      if (over() || state.paused) return;
      run.pause(by, reason);
    },
    { description: 'Start no new migration; running ones go on.' },
  );
  setHandler(
    resumeCampaignSignal,
    ({ by }) => {
      if (over() || !state.paused) return;
      delete state.paused;
      state.failuresSinceResume = 0;
      run.notify('resumed', `resumed by ${by}: the failure budget counts from zero again`);
      run.changed();
    },
    { description: 'Start migrations again; the failure budget counts from zero.' },
  );
  setHandler(migrationObservingSignal, ({ workflowId }) => run.childObserving(workflowId), {
    description: 'A migration of the campaign cleaned up and observes: it holds only its role, its wave is over.',
  });
  setHandler(
    abortCampaignSignal,
    ({ by, reason }) => {
      if (over()) return;
      state.abortRequested = { by, at: nowIso(), ...(reason && { reason }) };
      run.changed();
    },
    { description: 'Abort: nothing new starts, running migrations roll back, finished and observing ones stay.' },
  );
}
