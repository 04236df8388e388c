/**
 * The Observing phase (issue 8 §5), after cleanup: samples on durable timers until the window
 * ends (7 days by default; 0 skips the phase), a digest a day in the thread, an alert with the
 * rollback button when a sample regresses. Someone may end it early or roll back: both are
 * decisions recorded in the audit trail. A rollback restores IRSA exactly, through the same
 * compensations as any rollback (workflows/migration/rollback.ts). Every sample is read-only.
 */
import { condition, getExternalWorkflowHandle, isCancellation, log, patched, workflowInfo } from '@temporalio/workflow';
import type { ClusterPreflight } from '../../activities/types.js';
import { evidenceOptions } from '../../src/domain/cloudtrail-evidence.js';
import { formatDuration } from '../../src/domain/duration.js';
import {
  digestLines,
  DIGEST_EVERY_SECONDS,
  newRegressions,
  observationOptions,
  regressionsOf,
  SAMPLES_KEPT,
  type CredentialErrorBaseline,
  type ObservationOptions,
  type ObservationSample,
  type ObservationState,
} from '../../src/domain/observation.js';
import { activities, API_CALL } from '../activity-options.js';
import { migrationObservingSignal } from '../campaign/messages.js';
import { nowIso } from '../state.js';
import { CLOUDTRAIL_LOOKUP } from './evidence.js';
import { errorMessage, MigrationAborted, ROLLBACK_REQUESTED, type MigrationRun } from './run.js';

/** Runs started before the Observing phase complete right after cleanup, and replay so. */
export const OBSERVATION_PATCH = 'observation';

/** The baseline reads at most this much history before the run: a week of a busy account is already many pages. */
const BASELINE_MAX_SECONDS = 7 * 86_400;
const DEFAULT_BASELINE_SECONDS = 86_400;

/** Someone asked for a rollback while the run observed: the run restores IRSA as any rollback does. */
export class RollbackRequested extends Error {
  override readonly name = ROLLBACK_REQUESTED;
}

const serviceAccountOf = (run: MigrationRun) => `${run.serviceAccount.namespace}/${run.serviceAccount.name}`;
const iso = (ms: number) => new Date(ms).toISOString();

function issuersOf(preflight: ClusterPreflight[]) {
  return preflight.map((pf) => ({
    cluster: pf.cluster,
    ...(pf.plan.oidcIssuer !== undefined && { issuer: pf.plan.oidcIssuer }),
  }));
}

/** What ends the wait for the next sample: an abort, a rollback requested, the phase ended early. */
function decided(run: MigrationRun, observation: ObservationState): boolean {
  return (
    run.state.abortRequested !== undefined ||
    observation.rollbackRequested !== undefined ||
    observation.ended !== undefined
  );
}

/**
 * A campaign's migration tells the campaign it observes: its changes are done, so the
 * campaign's concurrency and cluster caps and its waves need not wait a week for it. A campaign already gone is no error.
 */
async function tellCampaign(run: MigrationRun): Promise<void> {
  const campaign = run.input.campaign;
  if (!campaign) return;
  try {
    await getExternalWorkflowHandle(campaign.workflowId).signal(migrationObservingSignal, {
      workflowId: workflowInfo().workflowId,
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('the campaign could not be told the run observes', {
      campaign: campaign.workflowId,
      error: errorMessage(err),
    });
  }
}

/** Throws for an abort or a rollback requested (both roll back); returns true when the phase was ended early. */
function actOnDecision(run: MigrationRun, observation: ObservationState): boolean {
  if (run.state.abortRequested) throw new MigrationAborted(`aborted by ${run.state.abortRequested.by}`);
  const rollback = observation.rollbackRequested;
  if (rollback) {
    throw new RollbackRequested(
      `rollback requested by ${rollback.by} while observing${rollback.reason ? `: ${rollback.reason}` : ''}`,
    );
  }
  return observation.ended !== undefined;
}

/**
 * Observes the migrated service account until the window ends or someone ends it. Returns
 * false when there was nothing to observe (a run from before the phase, or `--observe 0`).
 */
export async function observe(run: MigrationRun, preflight: ClusterPreflight[]): Promise<boolean> {
  if (!patched(OBSERVATION_PATCH)) return false;
  const given = run.options.observation ?? {};
  // What the run's input leaves unset, the worker's fleet decides (a sandbox observes only when asked).
  const asked = given.durationSeconds === undefined || (given.durationSeconds > 0 && given.sampleSeconds === undefined);
  const fleet = asked ? await activities(API_CALL, 'the fleet’s observation defaults').observationDefaults() : {};
  const options = observationOptions({ observation: { ...fleet, ...given } });
  if (options.durationSeconds <= 0) return false;
  const { state } = run;
  const start = Date.now();
  const end = start + options.durationSeconds * 1000;
  const observation: ObservationState = {
    startedAt: iso(start),
    endsAt: iso(end),
    sampleSeconds: options.sampleSeconds,
    samples: [],
    sampleCount: 0,
    alerts: [],
    alertedKeys: [],
    digestsSent: 0,
    roleUsers: (state.plan?.roleReuse?.sharedWith ?? []).map((u) => `${u.cluster}/${u.namespace}/${u.serviceAccount}`),
  };
  state.observation = observation;
  run.setPhase('Observing');
  await tellCampaign(run);
  const sa = serviceAccountOf(run);
  await run.notify(
    'observation',
    `observing ${sa} for ${formatDuration(options.durationSeconds)} (until ${observation.endsAt}): a sample every ${formatDuration(options.sampleSeconds)}, a digest a day; \`migrate-identity rollback ${sa}\` restores IRSA exactly, \`migrate-identity end-observation ${sa}\` ends it early`,
  );
  observation.baseline = await baseline(run, preflight);
  // CloudTrail delivers minutes late ("within an average of about 5 minutes", not guaranteed):
  // each sample reads a window that ends the evidence wait (15 min) ago, so no event falls
  // between two windows for arriving late.
  const lagMs = evidenceOptions(run.options).waitSeconds * 1000;
  let last = start;
  let lastDigest = start;
  for (;;) {
    const remaining = Math.min(last + options.sampleSeconds * 1000, end) - Date.now();
    if (remaining > 0) {
      run.sendHeld();
      await condition(() => decided(run, observation), remaining);
    }
    if (actOnDecision(run, observation)) break;
    // The windows tile: each starts where the previous ended, however long a sample takes.
    const now = Date.now();
    await sample(run, preflight, observation, options, { from: iso(last - lagMs), to: iso(now - lagMs) });
    last = now;
    if (actOnDecision(run, observation) || Date.now() >= end) break;
    if (Date.now() - lastDigest >= DIGEST_EVERY_SECONDS * 1000) {
      await digest(run, observation, iso(lastDigest));
      lastDigest = Date.now();
    }
  }
  observation.ended ??= { at: nowIso(), early: false };
  run.refresh();
  await digest(run, observation, iso(lastDigest), true);
  return true;
}

async function digest(run: MigrationRun, observation: ObservationState, since: string, final = false): Promise<void> {
  observation.digestsSent += 1;
  const ended = observation.ended;
  const head = final
    ? ended?.early
      ? `observation ended early by ${ended.by ?? 'unknown'}${ended.reason ? ` (${ended.reason})` : ''}`
      : 'observation window over'
    : `daily digest ${observation.digestsSent}`;
  await run.notify('observation', [`${head}:`, ...digestLines(observation, since, nowIso())].join('\n'));
}

/**
 * The credential errors of the window before the run (the SDK audit's lookback, 24 hours by
 * default, at most a week): CloudTrail keeps 90 days, the approval window is at most 30, so
 * it is still there when the phase starts.
 */
async function baseline(run: MigrationRun, preflight: ClusterPreflight[]): Promise<CredentialErrorBaseline> {
  const lookback = evidenceOptions(run.options).sdkAuditLookbackSeconds || DEFAULT_BASELINE_SECONDS;
  const to = run.state.startedAt;
  const from = iso(Date.parse(to) - Math.min(lookback, BASELINE_MAX_SECONDS) * 1000);
  const base = { from, to, clusters: {} };
  const notConfigured = run.state.evidence?.notConfigured;
  if (notConfigured !== undefined) return { ...base, unavailable: notConfigured };
  try {
    const result = await activities(
      CLOUDTRAIL_LOOKUP,
      'CloudTrail: credential errors before the migration',
    ).observeCredentials({
      serviceAccount: run.serviceAccount,
      roleArn: run.input.roleArn,
      clusters: issuersOf(preflight),
      since: from,
      until: to,
    });
    return 'unavailable' in result
      ? { ...base, unavailable: result.unavailable }
      : { ...base, clusters: result.clusters };
  } catch (err) {
    if (isCancellation(err)) throw err;
    return { ...base, unavailable: `CloudTrail could not be read: ${errorMessage(err)}` };
  }
}

/** One sample: CloudTrail's `window`, the pods and the rollback note now; judged against the baseline, kept; new regressions alerted. */
async function sample(
  run: MigrationRun,
  preflight: ClusterPreflight[],
  observation: ObservationState,
  options: ObservationOptions,
  window: { from: string; to: string },
): Promise<void> {
  const { from, to } = window;
  const at = nowIso();
  const clusters = preflight.map((pf) => pf.cluster);
  const taken: Omit<ObservationSample, 'regressions'> = {
    at,
    from,
    to,
    clusters: clusters.map((cluster) => ({ cluster })),
  };
  const unread: string[] = [];
  const clusterOf = (name: string) => taken.clusters.find((c) => c.cluster === name);
  const read = async (what: string, body: () => Promise<void>) => {
    try {
      await body();
    } catch (err) {
      if (isCancellation(err)) throw err;
      unread.push(`${what}: ${errorMessage(err)}`);
    }
  };

  await read('CloudTrail', async () => {
    const notConfigured = run.state.evidence?.notConfigured;
    if (notConfigured !== undefined) {
      unread.push(`CloudTrail: ${notConfigured}`);
      return;
    }
    const result = await activities(
      CLOUDTRAIL_LOOKUP,
      'CloudTrail: credential errors since the last sample',
    ).observeCredentials({
      serviceAccount: run.serviceAccount,
      roleArn: run.input.roleArn,
      clusters: issuersOf(preflight),
      since: from,
      until: to,
    });
    if ('unavailable' in result) {
      unread.push(`CloudTrail: ${result.unavailable}`);
      return;
    }
    for (const [cluster, errors] of Object.entries(result.clusters)) {
      const c = clusterOf(cluster);
      if (c) c.errors = errors;
    }
    taken.stsProfile = result.profile;
    if (result.truncated.length) unread.push(`CloudTrail (incomplete): ${result.truncated.join('; ')}`);
  });
  await read('pods', async () => {
    const pods = await activities(API_CALL, 'observe the pods').observePods({
      serviceAccount: run.serviceAccount,
      clusters,
    });
    for (const [cluster, health] of Object.entries(pods)) {
      const c = clusterOf(cluster);
      if (!c) continue;
      if ('unread' in health) unread.push(`pods in ${cluster}: ${health.unread}`);
      else c.workloads = health.workloads;
    }
  });
  await read('rollback readiness', async () => {
    const note = run.state.rollbackNote;
    const readiness = await activities(API_CALL, 'check the rollback note still applies').rollbackReadiness({
      roleArn: run.input.roleArn,
      clusters: issuersOf(preflight).map((c) => ({
        ...c,
        previousAnnotation: note.previousAnnotations[c.cluster] ?? null,
      })),
      removedIrsaTrust: note.removedIrsaTrust?.Statement ?? [],
    });
    for (const [cluster, r] of Object.entries(readiness)) {
      const c = clusterOf(cluster);
      if (c) c.readiness = r;
    }
  });
  await read('role reuse', async () => {
    const { users } = await activities(API_CALL, 'list the role’s associations').roleAssociations({
      roleArn: run.input.roleArn,
      ...(run.options.targetRoleArn !== undefined && { targetRoleArn: run.options.targetRoleArn }),
      serviceAccount: run.serviceAccount,
      clusters: run.input.clusters,
    });
    const key = (u: { cluster: string; namespace: string; serviceAccount: string }) =>
      `${u.cluster}/${u.namespace}/${u.serviceAccount}`;
    const newUsers = users.filter((u) => !observation.roleUsers.includes(key(u)));
    if (newUsers.length === 0) return;
    observation.roleUsers = users.map(key);
    const { findings } = await activities(API_CALL, 'check reuse of the role again').checkRoleReuse({
      roleArn: run.input.roleArn,
      ...(run.options.targetRoleArn !== undefined && { targetRoleArn: run.options.targetRoleArn }),
      serviceAccount: run.serviceAccount,
      clusters: run.input.clusters,
      clusterArns: Object.fromEntries(preflight.flatMap((pf) => (pf.clusterArn ? [[pf.cluster, pf.clusterArn]] : []))),
      requestedBy: run.input.requestedBy,
      ...(run.options.acceptSharedRole === true && { acceptSharedRole: true }),
    });
    taken.roleReuse = { newUsers, findings };
  });

  if (unread.length) taken.unread = unread;
  const regressions = regressionsOf(taken, observation.baseline, options);
  observation.samples.push({ ...taken, regressions: regressions.map((r) => r.key) });
  if (observation.samples.length > SAMPLES_KEPT)
    observation.samples.splice(0, observation.samples.length - SAMPLES_KEPT);
  observation.sampleCount += 1;
  const fresh = newRegressions(regressions, observation.alertedKeys);
  run.refresh();
  if (fresh.length === 0) return;
  observation.alerts.push({ at, regressions: fresh });
  observation.alertedKeys.push(...fresh.map((r) => r.key));
  run.state.warnings.push(...fresh.map((r) => `observation: ${r.message}`));
  const sa = serviceAccountOf(run);
  await run.notify(
    'observation-alert',
    [
      `REGRESSION while observing ${sa}:`,
      ...fresh.map((r) => r.message),
      `Roll back to IRSA: the button, or \`migrate-identity rollback ${sa} --reason <why>\``,
    ].join('\n'),
  );
}
