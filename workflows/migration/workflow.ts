import type { MigrationState } from '../../src/domain/migration-state.js';
import type { MigrationInput } from '../../src/domain/types.js';
import { approvalGate } from './approval-gate.js';
import { cleanup } from './cleanup.js';
import { cleanupGate, evidenceEnabled } from './evidence.js';
import { registerHandlers } from './handlers.js';
import { migrateClusters } from './migrate-cluster.js';
import { observe } from './observation.js';
import { preflight } from './preflight.js';
import { rollBack } from './rollback.js';
import { MigrationRun } from './run.js';
import { addPodIdentityTrust } from './trust.js';

/**
 * Migrates one service account from IRSA to EKS Pod Identity across an ordered list of
 * clusters: preflight (with the SDK audit) → trust → per cluster (associate, wait, restart,
 * verify, soak with CloudTrail evidence) → approval → CloudTrail gate → cleanup → observation (7 days by
 * default). Any failure, a Reject, an abort, or a rollback asked for while observing rolls every
 * cluster back to IRSA.
 */
export async function migrationWorkflow(input: MigrationInput): Promise<MigrationState> {
  const run = new MigrationRun(input);
  registerHandlers(run);
  const sa = input.serviceAccount;
  try {
    run.refresh();
    await run.notify(
      'started',
      `migration of ${sa.namespace}/${sa.name} to Pod Identity requested by ${input.requestedBy}`,
    );
    const clusters = await preflight(run);
    if (!clusters) return run.state;
    await run.checkpoint();
    await addPodIdentityTrust(run);
    await migrateClusters(run, clusters);
    if ((await approvalGate(run)) === 'held') {
      run.setPhase('MigratedNotCleaned');
      await run.notify('finished', 'approval window ended: migrated, IRSA left in place (hold)');
      return run.state;
    }
    if (evidenceEnabled()) {
      const findings = await cleanupGate(run, clusters);
      run.state.findings.push(...findings);
      run.state.warnings.push(...findings.filter((f) => f.severity === 'warning').map((f) => f.message));
      const blocking = findings.filter((f) => f.severity === 'blocking');
      if (blocking.length > 0) {
        run.setPhase('MigratedNotCleaned');
        await run.notify('finished', 'CloudTrail evidence blocks cleanup: migrated, IRSA left in place', {
          findings: blocking,
        });
        return run.state;
      }
    }
    await cleanup(run, clusters);
    const observed = await observe(run, clusters);
    run.setPhase('Completed');
    await run.notify(
      'finished',
      observed
        ? `migration completed: ${input.clusters.join(', ')} on Pod Identity, IRSA cleaned up, observed ${run.state.observation?.sampleCount ?? 0} sample(s), ${run.state.observation?.alerts.length ?? 0} alert(s); change record: \`migrate-identity status ${sa.namespace}/${sa.name} --record\``
        : `migration completed: ${input.clusters.join(', ')} on Pod Identity, IRSA cleaned up`,
    );
    return run.state;
  } catch (err) {
    await rollBack(run, err);
    return run.state;
  } finally {
    await run.backgroundSettled();
  }
}
