import {
  allHandlersFinished,
  CancellationScope,
  condition,
  isCancellation,
  makeContinueAsNewFunc,
  workflowInfo,
} from '@temporalio/workflow';
import {
  campaignCounts,
  currentWave,
  nextToStart,
  type CampaignInput,
  type CampaignState,
} from '../../src/domain/campaign.js';
import { nowIso } from '../state.js';
import { abortMigrations, startMigration } from './children.js';
import { registerCampaignHandlers } from './handlers.js';
import { CampaignRun } from './run.js';

type Ending = 'completed' | 'aborted' | 'continue';

function countsText(run: CampaignRun): string {
  return (
    Object.entries(campaignCounts(run.state.children))
      .map(([key, n]) => `${n} ${key}`)
      .join(', ') || 'nothing'
  );
}

/**
 * Starts migrations wave by wave within the caps until every one has ended, the campaign is
 * aborted, or the history is long enough to continue as new (once no migration runs).
 */
async function schedule(run: CampaignRun): Promise<Ending> {
  const { state, input } = run;
  let announced: number | undefined;
  for (;;) {
    if (state.abortRequested) return 'aborted';
    const seen = run.version;
    const wave = currentWave(input.items, state.children);
    const waitForChange = () => condition(() => run.version !== seen);
    if (wave === undefined) {
      // Everything is migrated; what observes still may roll back, and closing would cancel it.
      if (run.open().length === 0) return 'completed';
      await waitForChange();
      continue;
    }
    if (state.paused) {
      run.setPhase('Paused');
      await waitForChange();
      continue;
    }
    if (input.approval === 'wave' && !run.approved(wave)) {
      // The waves before have ended, so nothing runs while a wave waits for approval.
      run.setPhase('AwaitingApproval');
      if (announced !== wave) {
        announced = wave;
        const size = input.items.filter((i) => i.wave === wave).length;
        run.notify(
          'approval-requested',
          `wave ${wave}: ${size} service account(s) wait for approval by ${input.approvers.join(', ')} (migration and cleanup)`,
        );
      }
      await waitForChange();
      continue;
    }
    run.setPhase('Running');
    if (run.historyFull()) {
      if (run.open().length === 0) return 'continue';
      await waitForChange();
      continue;
    }
    const next = nextToStart(input.items, state.children, input.limits, wave);
    if (next !== undefined) {
      await startMigration(run, next);
      continue;
    }
    await waitForChange();
  }
}

async function abort(run: CampaignRun): Promise<void> {
  run.setPhase('Aborting');
  const { abortRequested } = run.state;
  const observing = run.open().length - run.running().length;
  run.notify(
    'aborting',
    `aborted by ${abortRequested?.by ?? 'unknown'}${abortRequested?.reason ? ` (${abortRequested.reason})` : ''}: ${run.running().length} running migration(s) roll back; finished ones stay as they are${observing ? `; ${observing} observing after cleanup keep observing until their window ends (each has its own rollback and end-observation)` : ''}`,
  );
  await abortMigrations(run);
  // Closing cancels the children still open, and a cancelled observation rolls back: wait for them.
  await condition(() => run.open().length === 0);
  run.setPhase('Aborted');
}

/**
 * A campaign: the migration workflow as a child for each service account, wave after
 * wave; at most `limits.concurrency` at once, `limits.perCluster` per cluster, one per role
 * (trust policy writes) and per service account. Per-wave approval opens each wave; the
 * failure budget or any RollbackFailed pauses it; abort rolls back only what has not
 * finished. Continues as new, keeping its progress, before the history grows too long.
 */
export async function campaignWorkflow(input: CampaignInput): Promise<CampaignState> {
  const run = new CampaignRun(input);
  registerCampaignHandlers(run);
  const lane = CancellationScope.nonCancellable(() => run.lane());
  let ending: Ending;
  try {
    if (run.state.runs === 1) {
      const waves = new Set(input.items.map((i) => i.wave)).size;
      run.notify(
        'started',
        `campaign ${input.campaignId}: ${input.items.length} service account(s) in ${waves} wave(s), requested by ${input.requestedBy}`,
      );
      // The migrations thread under the campaign's message: post it first.
      await run.flush();
    }
    ending = await schedule(run);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    run.state.abortRequested ??= { by: 'Temporal', at: nowIso(), reason: 'the campaign was cancelled' };
    ending = 'aborted';
  }
  if (ending === 'continue') {
    await run.close(lane);
    await condition(allHandlersFinished);
    const next = makeContinueAsNewFunc<typeof campaignWorkflow>({
      typedSearchAttributes: workflowInfo().typedSearchAttributes,
    });
    return next({ ...input, progress: run.progress() });
  }
  await CancellationScope.nonCancellable(async () => {
    if (ending === 'aborted') await abort(run);
    else run.setPhase('Completed');
    run.notify('finished', `campaign ${run.state.phase.toLowerCase()}: ${countsText(run)}`);
    await run.close(lane);
  });
  return run.state;
}
