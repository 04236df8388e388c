/**
 * A process that leaves in a sandbox state file every kind of state the SQLite store must
 * keep beyond pods and roles, for the persistence test:
 *   node --import tsx test/support/sandbox-state-writer.ts <file>
 * Prints its own view of the fleet (`control.state()`) as JSON.
 */
import type { PolicyDocument } from '../../src/domain/types.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import { reconcilerAssociation, STS_PROBE } from './sandbox-fixtures.js';

const OTHER_ACCOUNT_ROLE = 'arn:aws:iam::444455556666:role/payments-target';
const BOUNDARY = 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly';

async function run() {
  const [file = ''] = process.argv.slice(2);
  const fleet = createSandboxFleet({ file, consistencyDelayMs: 0 });
  const trust: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sts:AssumeRole' }],
  };
  await fleet.control.putRole({ name: 'payments-target', accountId: '444455556666', trustPolicy: trust });
  await fleet.control.putRole({ name: 'bounded', trustPolicy: trust, permissionsBoundaryArn: BOUNDARY });
  await fleet.control.putNodegroup('sandbox-a', {
    name: 'workers',
    nodeRoleArn: 'arn:aws:iam::111122223333:role/bounded',
  });
  await fleet.eks.createPodIdentityAssociation({
    ...reconcilerAssociation('sandbox-a'),
    targetRoleArn: OTHER_ACCOUNT_ROLE,
    tags: { 'migrate-identity/run': 'run-1' },
  });
  const deleted = await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-b'));
  await fleet.eks.deletePodIdentityAssociation('sandbox-b', deleted.associationId);
  await fleet.cloudTrailControl.setTraffic('payments/reconciler', { userAgent: 'writer-sdk/1.0' });
  await fleet.cloudTrailControl.setLateDelivery(5);
  const [pod] = await fleet.kubernetes.listPods('sandbox-c', 'payments', 'reconciler');
  await fleet.kubernetes.exec('sandbox-c', 'payments', pod?.name ?? '', 'reconciler', STS_PROBE);
  console.log(JSON.stringify(await fleet.control.state()));
}

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
