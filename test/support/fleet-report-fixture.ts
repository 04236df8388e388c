/** A small, deterministic fleet report (hand-built scans, fixed time) for views and listeners. */
import { buildFleetReport, type FleetReport } from '../../src/domain/fleet-report.js';
import { podIdentityStatement } from '../../src/domain/trust-policy.js';
import { association, catalog, cluster, irsa, role, roleArn, sa } from './fleet-scan-fixtures.js';

export const SCAN_URL =
  'http://127.0.0.1:8233/namespaces/default/workflows/migrate-identity-scan%2Fscheduled-2025-06-01T00%3A00%3A00Z';

/** prod-a healthy and mid-migration, prod-b broken (the incident), an orphaned association, prod-c unreadable. */
export function fleetReport(): FleetReport {
  const api = sa('payments', 'api', { irsaRoleArn: roleArn('api') });
  return buildFleetReport({
    scannedAt: '2025-06-01T00:00:00.000Z',
    scope: { clusters: ['prod-a', 'prod-b', 'prod-c'], complete: true },
    clusters: [
      {
        cluster: 'prod-a',
        scan: cluster(
          'prod-a',
          [
            api,
            sa('payments', 'worker', {
              irsaRoleArn: roleArn('worker'),
              associations: [{ associationId: 'a-w', roleArn: roleArn('worker') }],
            }),
          ],
          [
            association('prod-a', 'payments', 'worker', 'worker'),
            association('prod-a', 'payments', 'exporter', 'worker', { serviceAccountExists: false }),
          ],
        ),
      },
      { cluster: 'prod-b', scan: cluster('prod-b', [api]) },
      { cluster: 'prod-c', error: 'AccessDenied: eks:DescribeCluster' },
    ],
    catalog: catalog([
      role('api', [irsa('prod-a', 'payments', 'api')]),
      role('worker', [podIdentityStatement('PI'), irsa('prod-a', 'payments', 'worker')]),
    ]),
    profiles: [],
    migrations: {
      available: true,
      running: [
        {
          workflowId: 'migrate-identity/payments/worker',
          runId: 'r1',
          serviceAccount: 'payments/worker',
          clusters: ['prod-a'],
        },
      ],
    },
    previousKeys: [],
  });
}
