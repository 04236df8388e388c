import { POD_IDENTITY_TRUST_SID } from '../../src/domain/constants.js';
import { activities, API_CALL } from '../activity-options.js';
import { withRoleLock } from './role-lock.js';
import { MigrationAborted, type MigrationRun } from './run.js';

/** Lets the role trust Pod Identity before any cluster uses it. */
export async function addPodIdentityTrust(run: MigrationRun): Promise<void> {
  run.setPhase('Trust');
  const written = await ensurePodIdentityTrust(run).catch((err: unknown) => {
    run.recordFailure(err, { step: 'trust' });
    throw err;
  });
  await run.notify(
    'step',
    written ? 'trust: Pod Identity statement added' : 'trust: Pod Identity statement already present',
  );
}

/**
 * Under the role's lock: reads whether the role trusts Pod Identity, and only if it does
 * not, records that this run writes the statement (before writing: a lost answer must not
 * lose the fact), then writes it. Whoever wrote a statement that was there already (a
 * previous run, another service account's run, a human), this run did not, and its
 * rollback will not remove it. Runs again before each restart onto Pod Identity: a
 * rollback of another run on the same role may have removed the statement meanwhile.
 * Returns whether this call wrote it.
 */
export async function ensurePodIdentityTrust(run: MigrationRun): Promise<boolean> {
  const { roleArn } = run.input;
  const note = run.state.rollbackNote;
  const result = await withRoleLock(
    run,
    `${run.serviceAccount.namespace}/${run.serviceAccount.name}: add Pod Identity trust`,
    async () => {
      const { trusted } = await activities(API_CALL, 'read the role trust policy').readPodIdentityTrust({ roleArn });
      note.podIdentityTrustedBefore ??= trusted;
      if (trusted) return false;
      note.addedTrustStatementSid = POD_IDENTITY_TRUST_SID;
      await activities(API_CALL, 'add the Pod Identity trust statement').writePodIdentityTrust({
        roleArn,
        sid: POD_IDENTITY_TRUST_SID,
      });
      return true;
    },
    { stop: () => run.state.abortRequested !== undefined },
  );
  if (result === undefined) throw new MigrationAborted(`aborted by ${run.state.abortRequested?.by ?? 'unknown'}`);
  return result;
}
