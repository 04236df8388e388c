import { POD_IDENTITY_TRUST_SID } from '../../src/domain/constants.js';
import { patched } from '@temporalio/workflow';
import { activities, API_CALL, FEWER_ROUND_TRIPS_PATCH } from '../activity-options.js';
import { withRoleLock } from './role-lock.js';
import { MigrationAborted, type MigrationRun } from './run.js';

const TRUST_MESSAGES = {
  appended: 'trust: Pod Identity statement added',
  widened: 'trust: Pod Identity statement widened to this service account and its clusters (kept on rollback)',
  present: 'trust: Pod Identity statement already present',
} as const;

/** Lets the role trust Pod Identity, for the plan's scope, before any cluster uses it. */
export async function addPodIdentityTrust(run: MigrationRun): Promise<void> {
  run.setPhase('Trust');
  const written = await ensurePodIdentityTrust(run).catch((err: unknown) => {
    run.recordFailure(err, { step: 'trust' });
    throw err;
  });
  await run.notify('step', TRUST_MESSAGES[written]);
}

/**
 * Under the role's lock: reads whether the role trusts Pod Identity for the run's scope
 * (the plan's `trust.scope`: this service account in these clusters, unless unscoped), and
 * only if it does not, records whether this run appends the statement (before writing: a
 * lost answer must not lose the fact), then writes it. A statement that was there already
 * (a previous run, another service account's run, a human) this run did not write, and one
 * it only widened serves others too: its rollback removes neither. Runs again before each
 * restart onto Pod Identity: a rollback of another run on the same role may have removed
 * the statement meanwhile. Returns what this call did.
 */
export async function ensurePodIdentityTrust(run: MigrationRun): Promise<'appended' | 'widened' | 'present'> {
  const { roleArn } = run.input;
  const note = run.state.rollbackNote;
  const scope = run.state.plan?.trust.scope;
  const target = { roleArn, sid: POD_IDENTITY_TRUST_SID, ...(scope && { scope }) };
  // A re-check (the first check recorded what the role trusted before) that finds the
  // statement writes nothing, so it needs no lock: the lock serialises writes, and a read
  // under it is no fresher than this one once the lock is released. Not found: the locked
  // read below decides, as on the first check.
  if (note.podIdentityTrustedBefore !== undefined && patched(FEWER_ROUND_TRIPS_PATCH)) {
    const { trusted } = await activities(API_CALL, 'read the role trust policy (re-check)').readPodIdentityTrust(
      target,
    );
    if (trusted) return 'present';
  }
  const result = await withRoleLock(
    run,
    `${run.serviceAccount.namespace}/${run.serviceAccount.name}: add Pod Identity trust`,
    async () => {
      const { trusted, write } = await activities(API_CALL, 'read the role trust policy').readPodIdentityTrust(target);
      note.podIdentityTrustedBefore ??= trusted;
      if (trusted) return 'present' as const;
      if (write === 'append') note.addedTrustStatementSid = POD_IDENTITY_TRUST_SID;
      await activities(API_CALL, 'add the Pod Identity trust statement').writePodIdentityTrust(target);
      return write === 'append' ? ('appended' as const) : ('widened' as const);
    },
    { stop: () => run.state.abortRequested !== undefined },
  );
  if (result === undefined) throw new MigrationAborted(`aborted by ${run.state.abortRequested?.by ?? 'unknown'}`);
  return result;
}
