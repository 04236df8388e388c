import { POD_IDENTITY_TRUST_SID } from '../../src/domain/constants.js';
import { activities, API_CALL } from '../activity-options.js';
import type { MigrationRun } from './run.js';

/** Lets the role trust Pod Identity before any cluster uses it; rollback removes only a statement this run added. */
export async function addPodIdentityTrust(run: MigrationRun): Promise<void> {
  run.setPhase('Trust');
  const { added } = await activities(API_CALL, 'add Pod Identity trust statement')
    .ensurePodIdentityTrust({
      roleArn: run.input.roleArn,
      sid: POD_IDENTITY_TRUST_SID,
      ...(run.state.plan?.trust.scope && { scope: run.state.plan.trust.scope }),
    })
    .catch((err: unknown) => {
      run.recordFailure(err, { step: 'trust' });
      throw err;
    });
  run.touched.trustAdded = added;
  if (added) run.state.rollbackNote.addedTrustStatementSid = POD_IDENTITY_TRUST_SID;
  await run.notify(
    'step',
    added ? 'trust: Pod Identity statement added' : 'trust: Pod Identity statement already present',
  );
}
