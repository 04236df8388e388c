import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ClusterPreflight } from '../activities/types.js';
import type { MigrationEvent } from '../src/ports/notifier.js';
import { approvalContextOf, decisionRefusal, describeRefusal } from '../src/domain/approval.js';
import { FailureType } from '../src/domain/failure-types.js';
import {
  isTerminalPhase,
  type MigrationPhase,
  type MigrationState,
  type StepName,
} from '../src/domain/migration-state.js';
import type { MigrationInput } from '../src/domain/types.js';
import { POD_IDENTITY_TRUST_SID } from '../src/domain/constants.js';
import { activities, API_CALL, LONG_WAIT, NOTIFY } from './activity-options.js';
import {
  abortSignal,
  decisionUpdate,
  type DecisionRequest,
  notifyTargetSignal,
  pauseSignal,
  resumeSignal,
  stateQuery,
} from './messages.js';
import { runPreflight } from './preflight.js';
import { rollback, type Touched } from './rollback.js';
import { MigrationPhaseKey } from './search-attributes.js';
import { beginStep, clusterProgress, currentDetails, endStep, failureInfo, initialState, nowIso } from './state.js';

class MigrationAborted extends Error {}
class MigrationRejected extends Error {}

/**
 * Migrates one service account from IRSA to EKS Pod Identity across an ordered list of
 * clusters: preflight → trust → per cluster (associate, wait, restart, verify, soak) →
 * approval → cleanup. Any failure, a Reject, or an abort rolls every cluster back to IRSA.
 */
export async function migrationWorkflow(input: MigrationInput): Promise<MigrationState> {
  const info = workflowInfo();
  const state = initialState(info.workflowId, input);
  const opts = input.options;
  const sa = input.serviceAccount;
  const touched: Touched = { clusters: {}, trustAdded: false };

  const refresh = () => {
    state.updatedAt = nowIso();
    setCurrentDetails(currentDetails(state));
  };
  const setPhase = (phase: MigrationPhase) => {
    state.phase = phase;
    upsertSearchAttributes([{ key: MigrationPhaseKey, value: phase }]);
    log.info('phase', { phase });
    refresh();
  };
  const notify = async (kind: MigrationEvent['kind'], text: string, cluster?: string) => {
    try {
      const result = await activities(NOTIFY, `notify ${kind}`).notify({ kind, text, cluster });
      if (result.warning) state.warnings.push(result.warning);
      if (result.threadTs && input.notify?.slack) input.notify.slack.threadTs = result.threadTs;
    } catch (err) {
      if (isCancellation(err)) throw err;
      state.warnings.push(`notification "${text}" not delivered: ${(err as Error).message}`);
    }
  };

  setHandler(stateQuery, () => state, {
    description: 'The whole migration state: phase, per-cluster steps with times, findings, decision, rollback note.',
  });
  setHandler(
    pauseSignal,
    ({ by }) => {
      if (isTerminalPhase(state.phase)) return;
      state.paused = true;
      log.info('paused', { by });
      refresh();
    },
    { description: 'Pause at the next step boundary.' },
  );
  setHandler(
    resumeSignal,
    ({ by }) => {
      state.paused = false;
      log.info('resumed', { by });
      refresh();
    },
    { description: 'Resume a paused migration.' },
  );
  setHandler(
    abortSignal,
    (request) => {
      if (isTerminalPhase(state.phase) || state.abortRequested || state.phase === 'RollingBack') return;
      state.abortRequested = { by: request.by, reason: request.reason, at: nowIso() };
      refresh();
    },
    { description: 'Abort: stop at the next step boundary (or wait) and roll back.' },
  );
  setHandler(
    notifyTargetSignal,
    ({ channel, threadTs }) => {
      input.notify = { slack: { ...input.notify?.slack, channel, threadTs } };
    },
    { description: 'Where the Slack parent message of this migration is.' },
  );
  setHandler(
    decisionUpdate,
    (request) => {
      state.decision = { decision: request.decision, by: request.by, reason: request.reason, at: nowIso() };
      refresh();
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

  /** Step boundary: waits while paused, stops on abort. */
  const checkpoint = async () => {
    if (state.paused) {
      refresh();
      await condition(() => !state.paused || state.abortRequested !== undefined);
    }
    if (state.abortRequested) throw new MigrationAborted(`aborted by ${state.abortRequested.by}`);
  };
  /** A durable timer that an abort interrupts. */
  const wait = async (seconds: number) => {
    if (seconds <= 0) return;
    if (await condition(() => state.abortRequested !== undefined, seconds * 1000)) {
      throw new MigrationAborted(`aborted by ${state.abortRequested?.by ?? 'unknown'}`);
    }
  };
  const step = async <T>(
    cluster: string,
    name: StepName,
    run: () => Promise<{ detail: string; warnings?: string[]; value?: T }>,
  ): Promise<T | undefined> => {
    const record = beginStep(state, cluster, name);
    refresh();
    try {
      const result = await run();
      endStep(state, record, 'succeeded', result.detail, result.warnings);
      refresh();
      await notify('step', `${cluster}: ${result.detail}`, cluster);
      return result.value;
    } catch (err) {
      endStep(state, record, 'failed', err instanceof Error ? err.message : String(err));
      if (err instanceof MigrationAborted || isCancellation(err)) {
        const message = err instanceof MigrationAborted ? err.message : 'cancelled through Temporal';
        state.failure ??= { type: FailureType.Aborted, message, cluster, step: name, at: nowIso() };
      }
      state.failure ??= failureInfo(err, { cluster, step: name });
      clusterProgress(state, cluster).status = 'failed';
      refresh();
      throw err;
    }
  };

  const restartAndWait = async (cluster: string, name: StepName) =>
    step(cluster, name, async () => {
      touched.clusters[cluster] = { ...touched.clusters[cluster], restarted: true };
      const { restarted } = await activities(API_CALL, `restart workloads in ${cluster}`).restartWorkloads({
        cluster,
        serviceAccount: sa,
        restartedAt: nowIso(),
      });
      const { detail } = await activities(LONG_WAIT, `wait for rollouts in ${cluster}`).waitForRollouts({
        cluster,
        workloads: restarted,
        timeoutSeconds: opts.rolloutTimeoutSeconds,
      });
      return { detail };
    });

  const verify = async (cluster: string, name: StepName) =>
    step(cluster, name, async () =>
      activities(API_CALL, `verify Pod Identity credentials in ${cluster}`).verifyCredentials({
        cluster,
        serviceAccount: sa,
        roleArn: input.roleArn,
        expect: 'pod-identity',
        verifyCommand: opts.verifyCommand,
      }),
    );

  const migrateCluster = async (pf: ClusterPreflight) => {
    const { cluster } = pf;
    const progress = clusterProgress(state, cluster);
    progress.status = 'migrating';
    const association = pf.plan.association;
    if (association.action === 'reuse') {
      progress.reusedAssociationId = association.existingId;
      const record = beginStep(state, cluster, 'create-association');
      endStep(
        state,
        record,
        'skipped',
        `association ${association.existingId ?? ''} for this role already exists: reused`,
      );
    } else {
      await step(cluster, 'create-association', async () => {
        touched.clusters[cluster] = { ...touched.clusters[cluster], associationAttempted: true };
        const created = await activities(API_CALL, `create Pod Identity association in ${cluster}`).createAssociation({
          cluster,
          serviceAccount: sa,
          roleArn: input.roleArn,
          idempotencyKey: `${info.workflowId}/${info.firstExecutionRunId}/${cluster}`,
        });
        if (created.created) progress.createdAssociationId = created.associationId;
        else progress.reusedAssociationId = created.associationId;
        return {
          detail: `association ${created.associationId} ${created.created ? 'created' : 'already existed (same role)'}`,
        };
      });
    }
    await checkpoint();
    await step(cluster, 'consistency-wait', async () => {
      await wait(opts.consistencyWaitSeconds);
      return { detail: `waited ${opts.consistencyWaitSeconds}s for the association to propagate` };
    });
    await checkpoint();
    await restartAndWait(cluster, 'restart');
    await checkpoint();
    await verify(cluster, 'verify');
    progress.status = 'migrated';
    refresh();
  };

  const cleanup = async (preflight: ClusterPreflight[]) => {
    setPhase('CleaningUp');
    for (const pf of preflight) {
      await checkpoint();
      const { cluster } = pf;
      const progress = clusterProgress(state, cluster);
      progress.status = 'cleaning';
      if (pf.plan.irsaAnnotation !== null) {
        await step(cluster, 'remove-annotation', async () => {
          touched.clusters[cluster] = { ...touched.clusters[cluster], annotationRemoved: true };
          const { previous } = await activities(API_CALL, `remove IRSA annotation in ${cluster}`).setIrsaAnnotation({
            cluster,
            serviceAccount: sa,
            value: null,
          });
          return { detail: `IRSA annotation removed (was ${previous ?? 'absent'})` };
        });
        await restartAndWait(cluster, 'cleanup-restart');
        await verify(cluster, 'cleanup-verify');
      }
      progress.status = 'cleaned';
      refresh();
    }
    const issuers = state.plan?.cleanup.removeIrsaTrustForIssuers ?? [];
    if (!opts.keepIrsaTrust && issuers.length > 0) {
      try {
        const { removed } = await activities(API_CALL, 'remove IRSA trust for migrated clusters').removeIrsaTrust({
          roleArn: input.roleArn,
          serviceAccount: sa,
          issuers,
        });
        if (removed.length > 0) state.rollbackNote.removedIrsaTrust = { Version: '2012-10-17', Statement: removed };
        await notify('step', `trust: removed ${sa.namespace}/${sa.name} IRSA trust for ${issuers.length} issuer(s)`);
      } catch (err) {
        state.failure ??= failureInfo(err, { step: 'trust-cleanup' });
        throw err;
      }
    }
  };

  const approvalGate = async (): Promise<'approved' | 'rejected' | 'expired' | 'aborted'> => {
    const deadline = Date.now() + opts.approvalWindowSeconds * 1000;
    state.approval = { requestedAt: nowIso(), expiresAt: new Date(deadline).toISOString(), remindersSent: 0 };
    setPhase('AwaitingApproval');
    await notify('approval-requested', `all clusters migrated: waiting for approval to clean up`);
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return 'expired';
      await condition(
        () => state.decision !== undefined || state.abortRequested !== undefined,
        Math.min(remaining, opts.approvalReminderSeconds * 1000),
      );
      if (state.abortRequested) return 'aborted';
      if (state.decision) return state.decision.decision === 'approve' ? 'approved' : 'rejected';
      if (deadline - Date.now() > 0) {
        state.approval.remindersSent += 1;
        await notify('approval-reminder', `reminder: cleanup is still waiting for approval`);
      }
    }
  };

  try {
    refresh();
    await notify(
      'started',
      `migration of ${sa.namespace}/${sa.name} to Pod Identity requested by ${input.requestedBy}`,
    );
    const preflight = await runPreflight(input);
    state.plan = preflight.plan;
    state.findings = preflight.plan.findings;
    state.rollbackNote.originalTrustPolicy = preflight.role.trustPolicy;
    for (const c of preflight.clusters) {
      state.rollbackNote.previousAnnotations[c.cluster] = c.plan.irsaAnnotation;
      state.rollbackNote.workloads[c.cluster] = c.workloads;
    }
    state.warnings.push(...state.findings.filter((f) => f.severity === 'warning').map((f) => f.message));
    if (preflight.plan.blocked) {
      setPhase('PreflightFailed');
      await notify('finished', `preflight blocked the migration; nothing was changed`);
      return state;
    }
    await notify('preflight', `preflight passed for ${input.clusters.length} cluster(s)`);
    await checkpoint();

    setPhase('Trust');
    const { added } = await activities(API_CALL, 'add Pod Identity trust statement')
      .ensurePodIdentityTrust({
        roleArn: input.roleArn,
        sid: POD_IDENTITY_TRUST_SID,
      })
      .catch((err: unknown) => {
        state.failure ??= failureInfo(err, { step: 'trust' });
        throw err;
      });
    touched.trustAdded = added;
    if (added) state.rollbackNote.addedTrustStatementSid = POD_IDENTITY_TRUST_SID;
    await notify(
      'step',
      added ? 'trust: Pod Identity statement added' : 'trust: Pod Identity statement already present',
    );

    setPhase('Migrating');
    for (const [index, pf] of preflight.clusters.entries()) {
      await checkpoint();
      await migrateCluster(pf);
      if (index < preflight.clusters.length - 1 && opts.soakSeconds > 0) {
        await step(pf.cluster, 'soak', async () => {
          await wait(opts.soakSeconds);
          return { detail: `soaked ${opts.soakSeconds}s` };
        });
      }
    }

    const outcome = await approvalGate();
    await notify('decision', `approval gate: ${outcome}${state.decision ? ` by ${state.decision.by}` : ''}`);
    if (outcome === 'approved') {
      await cleanup(preflight.clusters);
      setPhase('Completed');
      await notify('finished', `migration completed: ${input.clusters.join(', ')} on Pod Identity, IRSA cleaned up`);
      return state;
    }
    if (outcome === 'expired' && opts.onApprovalTimeout === 'hold') {
      setPhase('MigratedNotCleaned');
      await notify('finished', 'approval window ended: migrated, IRSA left in place (hold)');
      return state;
    }
    if (outcome === 'aborted') throw new MigrationAborted(`aborted by ${state.abortRequested?.by ?? 'unknown'}`);
    throw new MigrationRejected(
      outcome === 'rejected' ? `rejected by ${state.decision?.by ?? 'unknown'}` : 'approval window ended (rollback)',
    );
  } catch (err) {
    if (err instanceof MigrationAborted || isCancellation(err)) {
      state.failure ??= { type: FailureType.Aborted, message: (err as Error).message, at: nowIso() };
    } else if (err instanceof MigrationRejected) {
      state.failure ??= { type: FailureType.Rejected, message: err.message, step: 'approval', at: nowIso() };
    } else {
      state.failure ??= failureInfo(err, {});
    }
    log.warn('rolling back', { failure: state.failure });
    await CancellationScope.nonCancellable(async () => {
      setPhase('RollingBack');
      await notify('rollback-step', `rolling back: ${state.failure?.type ?? ''}: ${state.failure?.message ?? ''}`);
      await rollback({ state, input, touched, notify, refresh });
      setPhase(state.manualSteps?.length ? 'RollbackFailed' : 'RolledBack');
      await notify(
        'finished',
        state.manualSteps?.length
          ? `ROLLBACK FAILED: manual steps needed:\n${state.manualSteps.join('\n')}`
          : 'rolled back: every cluster is on IRSA as before',
      );
    });
    if (state.phase === 'RollbackFailed') {
      throw ApplicationFailure.create({
        type: FailureType.RollbackFailed,
        message: `rollback incomplete; manual steps: ${state.manualSteps?.join(' ; ') ?? ''}`,
        nonRetryable: true,
        details: [state.manualSteps],
      });
    }
    return state;
  }
}
