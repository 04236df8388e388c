import { sleep } from '@temporalio/workflow';
import type { MigrationEvent } from '../src/ports/notifier.js';
import type { MigrationState, StepName } from '../src/domain/migration-state.js';
import type { MigrationInput } from '../src/domain/types.js';
import { IRSA_ANNOTATION } from '../src/domain/constants.js';
import { activities, COMPENSATION, LONG_WAIT } from './activity-options.js';
import { beginStep, clusterProgress, endStep, nowIso } from './state.js';

/** What this run changed, recorded before each change so rollback also covers a change whose answer was lost. */
export interface Touched {
  clusters: Record<string, { associationAttempted?: boolean; restarted?: boolean; annotationRemoved?: boolean }>;
  trustAdded: boolean;
}

interface RollbackContext {
  state: MigrationState;
  input: MigrationInput;
  touched: Touched;
  notify: (kind: MigrationEvent['kind'], text: string, cluster?: string) => Promise<void>;
  refresh: () => void;
}

/**
 * Compensations in reverse order, each idempotent and retried: IRSA trust back first (pods
 * returning to IRSA need it), then each touched cluster newest first, then the Pod Identity
 * trust statement last. A compensation that still fails is recorded with the exact manual
 * steps; the others still run.
 */
export async function rollback(ctx: RollbackContext): Promise<void> {
  const { state, input, touched, notify, refresh } = ctx;
  const sa = input.serviceAccount;
  const manual: string[] = [];
  const roleName = input.roleArn.split('/').pop() ?? input.roleArn;

  const removed = state.rollbackNote.removedIrsaTrust;
  if (removed) {
    try {
      await activities(COMPENSATION, 'restore IRSA trust').restoreIrsaTrust({
        roleArn: input.roleArn,
        removed: removed.Statement,
      });
      await notify('rollback-step', 'trust: IRSA trust statements restored');
    } catch (err) {
      manual.push(
        `Restore the IRSA trust of role ${roleName}: put back these statements (from the state query, rollbackNote.removedIrsaTrust): aws iam update-assume-role-policy --role-name ${roleName} --policy-document file://trust.json  # ${(err as Error).message}`,
      );
    }
  }

  const clusters = input.clusters.filter((c) => touched.clusters[c]).reverse();
  for (const cluster of clusters) {
    const did = touched.clusters[cluster] ?? {};
    const progress = clusterProgress(state, cluster);
    progress.status = 'rolling-back';
    refresh();
    const previous = state.rollbackNote.previousAnnotations[cluster] ?? null;
    const run = async (name: StepName, what: string, fn: () => Promise<string>): Promise<boolean> => {
      const record = beginStep(state, cluster, name);
      refresh();
      try {
        const detail = await fn();
        endStep(state, record, 'succeeded', detail);
        await notify('rollback-step', `${cluster}: ${detail}`, cluster);
        return true;
      } catch (err) {
        const message = (err as Error).message;
        endStep(state, record, 'failed', message);
        manual.push(`${cluster}: ${what}  # ${message}`);
        await notify('rollback-step', `${cluster}: ${name} FAILED: ${message}`, cluster);
        return false;
      }
    };

    // Later steps depend on earlier ones (deleting the association before the annotation is
    // back would leave pods with no credentials), so after a failure the rest become manual steps.
    const plan: { name: StepName; what: string; fn: () => Promise<string> }[] = [];
    if (did.annotationRemoved && previous !== null) {
      plan.push({
        name: 'rollback-restore-annotation',
        what: `kubectl -n ${sa.namespace} annotate serviceaccount ${sa.name} ${IRSA_ANNOTATION}=${previous} --overwrite`,
        fn: async () => {
          await activities(COMPENSATION, `restore IRSA annotation in ${cluster}`).setIrsaAnnotation({
            cluster,
            serviceAccount: sa,
            value: previous,
          });
          return `IRSA annotation restored (${previous})`;
        },
      });
    }
    // A restart is needed only if some pod may have been created with Pod Identity.
    let podsMayHavePodIdentity = did.restarted === true;
    if (did.associationAttempted) {
      const id = progress.createdAssociationId;
      plan.push({
        name: 'rollback-delete-association',
        what: `aws eks delete-pod-identity-association --cluster-name ${cluster} --association-id ${id ?? `<id from: aws eks list-pod-identity-associations --cluster-name ${cluster} --namespace ${sa.namespace} --service-account ${sa.name}>`}`,
        fn: async () => {
          const result = await activities(
            COMPENSATION,
            `delete Pod Identity association in ${cluster}`,
          ).deleteAssociation({
            cluster,
            serviceAccount: sa,
            roleArn: input.roleArn,
            associationId: id,
          });
          if (result.deleted) podsMayHavePodIdentity = true;
          // Deletion is eventually consistent too: pods created too early would still get Pod Identity.
          if (result.deleted && input.options.consistencyWaitSeconds > 0) {
            await sleep(input.options.consistencyWaitSeconds * 1000);
          }
          return result.deleted
            ? `association ${result.associationId ?? id ?? ''} deleted`
            : 'no association of this run left to delete';
        },
      });
    }
    if (did.restarted || did.associationAttempted) {
      plan.push({
        name: 'rollback-restart',
        what: `kubectl -n ${sa.namespace} rollout restart <each deployment/statefulset/daemonset using ${sa.name}>`,
        fn: async () => {
          if (!podsMayHavePodIdentity) return 'no restart needed: no association took effect and nothing was restarted';
          const { restarted: refs } = await activities(
            COMPENSATION,
            `restart workloads in ${cluster}`,
          ).restartWorkloads({
            cluster,
            serviceAccount: sa,
            restartedAt: nowIso(),
          });
          const { detail } = await activities(LONG_WAIT, `wait for rollouts in ${cluster}`).waitForRollouts({
            cluster,
            workloads: refs,
            timeoutSeconds: input.options.rolloutTimeoutSeconds,
          });
          return detail;
        },
      });
      if (previous !== null) {
        plan.push({
          name: 'rollback-verify',
          what: `kubectl -n ${sa.namespace} exec <pod> -- aws sts get-caller-identity  # expect an IRSA session of ${roleName}`,
          fn: async () => {
            const { detail } = await activities(
              COMPENSATION,
              `verify IRSA credentials in ${cluster}`,
            ).verifyCredentials({
              cluster,
              serviceAccount: sa,
              roleArn: input.roleArn,
              expect: 'irsa',
              verifyCommand: input.options.verifyCommand,
            });
            return detail;
          },
        });
      }
    }

    let ok = true;
    for (const item of plan) {
      if (!ok) {
        manual.push(`${cluster}: then ${item.what}`);
        continue;
      }
      ok = await run(item.name, item.what, item.fn);
    }
    progress.status = ok ? 'rolled-back' : 'failed';
    refresh();
  }

  if (touched.trustAdded && state.rollbackNote.addedTrustStatementSid) {
    const sid = state.rollbackNote.addedTrustStatementSid;
    try {
      await activities(COMPENSATION, 'remove the Pod Identity trust statement this run added').removePodIdentityTrust({
        roleArn: input.roleArn,
        sid,
      });
      await notify('rollback-step', `trust: Pod Identity statement ${sid} removed`);
    } catch (err) {
      manual.push(
        `Remove statement Sid ${sid} from the trust policy of role ${roleName} (original policy: state query, rollbackNote.originalTrustPolicy)  # ${(err as Error).message}`,
      );
    }
  }
  if (manual.length > 0) state.manualSteps = manual;
}
